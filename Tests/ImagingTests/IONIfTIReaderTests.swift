import TestSupport
import XCTest
@testable import Imaging

/// NIfTI-1 fixtures (written field by field by make_io_fixtures.py, each read independently
/// by nibabel into expected_<name>.npy) and the slice-axis convention.
final class IONIfTIReaderTests: XCTestCase {
    /// The note of a file without an affine.
    static let noAffine = "no sform or qform: slices along the third storage axis (plane unknown)"

    /// The fixtures' base value at voxel (i, j, k) of the 4×5×3 grid.
    func base(_ i: Int, _ j: Int, _ k: Int) -> Double { Double(i * 100 + j * 10 + k) }

    /// Expected output for slice axis 2: out[k][i][j] = f(base(i, j, k)), shape (3, 4, 5).
    func expectedAxis2(_ f: (Double) -> Double) -> [Float] {
        var out: [Float] = []
        for k in 0..<3 { for i in 0..<4 { for j in 0..<5 { out.append(Float(f(base(i, j, k)))) } } }
        return out
    }

    func testFixturesMatchNibabelAndTheFormula() throws {
        let cases: [(file: String, dtype: String, f: (Double) -> Double, notes: [String])] = [
            ("le_i2.nii", "int16", { $0 - 200 }, []),
            ("be_i2.nii", "int16", { $0 - 200 }, ["big-endian samples"]),
            ("be_f4.nii", "float32", { $0 * 0.25 }, ["big-endian samples"]),
            ("le_i4.nii", "int32", { $0 * 100_000 - 7 }, []),
            ("le_f8_pad.nii", "float64", { $0 / 7.0 }, []),
            ("le_u1_4d.nii", "uint8", { ($0 / 5).rounded(.down) }, ["4-D image with 2 volumes: used the first volume"]),
            ("le_f4.nii.gz", "float32", { $0 * 0.25 }, []),
            ("be_u2_scl.nii.gz", "uint16", { ($0 + 30000) * 0.5 - 3 }, ["big-endian samples", "scaled by scl_slope=0.5 scl_inter=-3.0"]),
            ("multimember_i2.nii.gz", "int16", { $0 - 200 }, []),
        ]
        for c in cases {
            let result = try VolumeReader.read(path: IOFixtures.path("nifti/" + c.file))
            let v = result.volume
            XCTAssertEqual([v.slices, v.height, v.width], [3, 4, 5], c.file)
            XCTAssertEqual(result.sourceDType, c.dtype, c.file)
            XCTAssertEqual(result.format, .nifti)
            // The fixtures carry no sform/qform: the third axis, said so first of the orientation notes.
            XCTAssertEqual(result.notes.filter { $0 != Self.noAffine }, c.notes, c.file)
            XCTAssertTrue(result.notes.contains(Self.noAffine), c.file)
            assertAllClose(v.data, expectedAxis2(c.f), abs: 0, c.file)
            let stem = String(c.file.prefix { $0 != "." })
            let nibabel = try VolumeReader.read(path: IOFixtures.path("nifti/expected_\(stem).npy")).volume
            assertAllClose(v.data, nibabel.data, rel: 1e-7, "\(c.file) vs nibabel")
        }
    }

    /// Axis 0: slice i = data[i, :, :] (rows j, columns k); axis 1: slice j = data[:, j, :]
    /// (rows i, columns k); axis 2: slice k = data[:, :, k] (rows i, columns j).
    func testSliceAxes() throws {
        let path = try IOFixtures.path("nifti/be_i2.nii")
        let a0 = try VolumeReader.read(path: path, options: .init(sliceAxis: 0)).volume
        XCTAssertEqual([a0.slices, a0.height, a0.width], [4, 5, 3])
        let a1 = try VolumeReader.read(path: path, options: .init(sliceAxis: 1)).volume
        XCTAssertEqual([a1.slices, a1.height, a1.width], [5, 4, 3])
        let a2 = try VolumeReader.read(path: path).volume
        XCTAssertEqual([a2.slices, a2.height, a2.width], [3, 4, 5])
        for i in 0..<4 {
            for j in 0..<5 {
                for k in 0..<3 {
                    let want = Float(base(i, j, k) - 200)
                    assertClose(a0[i, j, k], want, abs: 0)
                    assertClose(a1[j, i, k], want, abs: 0)
                    assertClose(a2[k, i, j], want, abs: 0)
                }
            }
        }
    }

    /// All three slice axes on a 70×45×3 image (several 32×32 tiles, partial at the edges),
    /// with scaling, against the definition.
    func testSliceAxesAcrossSeveralTiles() throws {
        let (nx, ny, nz) = (70, 45, 3)
        var raw = [UInt16](repeating: 0, count: nx * ny * nz)
        for i in 0..<nx { for j in 0..<ny { for k in 0..<nz { raw[i + nx * (j + ny * k)] = UInt16(i * 300 + j * 3 + k) } } }
        let bytes = niftiBytes(dim: [3, Int16(nx), Int16(ny), Int16(nz)], datatype: 512, bitpix: 16, slope: 2, inter: 1,
                               data: bytesOf(raw))
        let want = { (i: Int, j: Int, k: Int) in Float(2 * (i * 300 + j * 3 + k) + 1) }
        let a0 = try VolumeReader.read(bytes: bytes, name: "t.nii", options: .init(sliceAxis: 0)).volume
        let a1 = try VolumeReader.read(bytes: bytes, name: "t.nii", options: .init(sliceAxis: 1)).volume
        let a2 = try VolumeReader.read(bytes: bytes, name: "t.nii", options: .init(sliceAxis: 2)).volume
        var e0: [Float] = [], e1: [Float] = [], e2: [Float] = []
        for i in 0..<nx { for j in 0..<ny { for k in 0..<nz { e0.append(want(i, j, k)) } } }
        for j in 0..<ny { for i in 0..<nx { for k in 0..<nz { e1.append(want(i, j, k)) } } }
        for k in 0..<nz { for i in 0..<nx { for j in 0..<ny { e2.append(want(i, j, k)) } } }
        assertAllClose(a0.data, e0, abs: 0)
        assertAllClose(a1.data, e1, abs: 0)
        assertAllClose(a2.data, e2, abs: 0)
    }

    /// The reader sniffs the gzip magic: a gzipped file named .nii and a plain file named
    /// .nii.gz both read; plain and compressed bytes give the same volume.
    func testGzipDetectedByContentAndEqualToPlain() throws {
        let plain = try IOFixtures.bytes("nifti/le_i2.nii")
        let gz = try gzipBytes(plain)
        let a = try VolumeReader.read(bytes: plain, name: "x.nii").volume
        XCTAssertEqual(try VolumeReader.read(bytes: gz, name: "x.nii").volume, a)
        XCTAssertEqual(try VolumeReader.read(bytes: plain, name: "x.nii.gz").volume, a)
        XCTAssertEqual(try VolumeReader.read(bytes: gz, name: "X.NII.GZ").volume, a)
        XCTAssertEqual(try NIfTIReader.read(path: IOFixtures.path("nifti/multimember_i2.nii.gz")).volume, a)
    }

    /// 2-D image: one slice; scl_slope 0 or NaN: no scaling; scl_inter NaN counts as 0;
    /// int8 (256) and uint32 (768) decode.
    func testSmallCasesBuiltByHand() throws {
        let values: [Int16] = [-3, 0, 7, 100, -32768, 32767]  // 3×2 image, first axis fastest
        let data = bytesOf(values)
        let r2 = try VolumeReader.read(bytes: niftiBytes(dim: [2, 3, 2], datatype: 4, bitpix: 16, data: data), name: "a.nii")
        XCTAssertEqual(r2.notes, ["2-D image: read as one slice", Self.noAffine])
        XCTAssertEqual([r2.volume.slices, r2.volume.height, r2.volume.width], [1, 3, 2])
        // out[0][i][j] = values[i + 3j]
        assertAllClose(r2.volume.data, [-3, 100, 0, -32768, 7, 32767], abs: 0)

        for (slope, inter, want) in [(Float(0), Float(5), [Float(-3), 100, 0, -32768, 7, 32767]),
                                     (.nan, 5, [-3, 100, 0, -32768, 7, 32767]),
                                     (2, .nan, [-6, 200, 0, -65536, 14, 65534]),
                                     (-1, 1, [4, -99, 1, 32769, -6, -32766])] {
            let bytes = niftiBytes(dim: [3, 3, 2, 1], datatype: 4, bitpix: 16, slope: slope, inter: inter, data: data)
            assertAllClose(try VolumeReader.read(bytes: bytes, name: "s.nii").volume.data, want, abs: 0, "slope \(slope) inter \(inter)")
        }
        let i8 = try VolumeReader.read(bytes: niftiBytes(dim: [3, 2, 1, 1], datatype: 256, bitpix: 8, data: [0xff, 0x80]), name: "b.nii")
        XCTAssertEqual(i8.sourceDType, "int8")
        assertAllClose(i8.volume.data, [-1, -128], abs: 0)
        let u32 = try VolumeReader.read(bytes: niftiBytes(dim: [3, 1, 1, 1], datatype: 768, bitpix: 32, bigEndian: true,
                                                           data: bytesOf([UInt32(4_000_000_000)], bigEndian: true)), name: "c.nii")
        assertAllClose(u32.volume.data, [4_000_000_000], abs: 0)
        let i64 = try VolumeReader.read(bytes: niftiBytes(dim: [3, 2, 1, 1], datatype: 1024, bitpix: 64,
                                                           data: bytesOf([Int64(-5), Int64(1) << 40])), name: "d.nii")
        XCTAssertEqual(i64.sourceDType, "int64")
        assertAllClose(i64.volume.data, [-5, 1_099_511_627_776], abs: 0)
    }
}
