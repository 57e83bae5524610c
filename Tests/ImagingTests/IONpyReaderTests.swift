import Common
import TestSupport
import XCTest
@testable import Imaging

/// The value numpy stored at C-order index `idx` of the 3×4×5 fixture of dtype `code`
/// (the formulas of make_io_fixtures.py), converted to float32 the way the reader must:
/// integers and float64 rounded to the nearest float32.
func expectedNpyValue(_ code: String, _ idx: Int) -> Float {
    switch code {
    case "u1": Float(3 * idx + 10)
    case "i1": Float(2 * idx - 60)
    case "u2": Float(1000 * idx + 7)
    case "i2": Float(500 * idx - 15000)
    case "u4": Float(70_000_000 * idx + 3)
    case "i4": Float(30_000_000 * idx - 900_000_000)
    case "i8": Float(1_000_000_000_000 * idx - 30_000_000_000_000)
    case "f4": Float(Double(idx) * 0.25 - 7.5)
    default: Float(Double(idx) / 7.0 - 3.0)  // f8
    }
}

final class IONpyReaderTests: XCTestCase {
    static let names = ["u1": "uint8", "i1": "int8", "u2": "uint16", "i2": "int16", "u4": "uint32",
                        "i4": "int32", "i8": "int64", "f4": "float32", "f8": "float64"]

    /// Every dtype × byte order × memory order numpy wrote, checked sample by sample (exactly:
    /// the conversion is a correctly rounded cast).
    func testNumpyFixturesEveryDtypeOrderAndLayout() throws {
        var files = 0
        for (code, name) in Self.names {
            for order in code.hasSuffix("1") ? ["na"] : ["le", "be"] {
                for layout in ["C", "F"] {
                    let file = "\(code)_\(order)_\(layout).npy"
                    let result = try VolumeReader.read(path: IOFixtures.path("npy/" + file))
                    let v = result.volume
                    XCTAssertEqual([v.slices, v.height, v.width], [3, 4, 5], file)
                    XCTAssertEqual(result.sourceDType, name, file)
                    XCTAssertEqual(result.format, .npy)
                    assertAllClose(v.data, (0..<60).map { expectedNpyValue(code, $0) }, abs: 0, file)
                    XCTAssertEqual(result.notes.contains { $0.hasPrefix("Fortran order") }, layout == "F", file)
                    XCTAssertEqual(result.notes.contains("big-endian samples"), order == "be", file)
                    files += 1
                }
            }
        }
        XCTAssertEqual(files, 32)
    }

    func testFormatVersions2And3AndPython2Header() throws {
        for file in ["v2_f4_le_C.npy", "v3_f4_le_C.npy"] {
            let v = try VolumeReader.read(path: IOFixtures.path("npy/" + file)).volume
            assertAllClose(v.data, (0..<60).map { expectedNpyValue("f4", $0) }, abs: 0, file)
        }
        let py2 = try VolumeReader.read(path: IOFixtures.path("npy/py2_i2_le_C.npy"))
        XCTAssertEqual(py2.sourceDType, "int16")
        assertAllClose(py2.volume.data, (0..<60).map { expectedNpyValue("i2", $0) }, abs: 0)
    }

    /// A 2-D array (h, w) is read as one slice, and says so.
    func testRank2IsOneSlice() throws {
        let result = try VolumeReader.read(path: IOFixtures.path("npy/rank2_u1.npy"))
        let v = result.volume
        XCTAssertEqual([v.slices, v.height, v.width], [1, 4, 5])
        assertAllClose(v.data, (20..<40).map { expectedNpyValue("u1", $0) }, abs: 0)
        XCTAssertEqual(result.notes, ["2-D array: read as one slice"])
    }

    /// NpyWriter → NpyReader gives back the same samples and shape (float32 and uint8).
    func testRoundTripThroughNpyWriter() throws {
        let dir = try IOTempDir()
        var rng = SplitMix64(seed: 7)
        let floats = (0..<(6 * 7 * 5)).map { _ in Float(rng.nextUnit() * 2000 - 1000) }
        let volume = try Volume(slices: 6, height: 7, width: 5, data: floats)
        let p1 = dir.path + "/v.npy"
        try NpyWriter.write(volume, to: p1)
        let back = try VolumeReader.read(path: p1)
        XCTAssertEqual(back.volume.slices, 6); XCTAssertEqual(back.volume.height, 7); XCTAssertEqual(back.volume.width, 5)
        XCTAssertEqual(back.sourceDType, "float32")
        assertAllClose(back.volume.data, floats, abs: 0)

        let bytes = (0..<(2 * 3 * 4)).map { UInt8(($0 * 37) % 256) }
        let p2 = dir.path + "/u.NPY"
        try NpyWriter.write(uint8: bytes, shape: [2, 3, 4], to: p2)
        let u = try VolumeReader.read(path: p2)
        XCTAssertEqual(u.sourceDType, "uint8")
        assertAllClose(u.volume.data, bytes.map(Float.init), abs: 0)
        XCTAssertEqual(u.volume[1, 2, 3], Float((23 * 37) % 256))
    }

    /// Headers written by hand: double quotes, no trailing comma, keys in another order, '='
    /// and missing byte-order characters, 'B' alias, version 2 written by our own builder.
    func testHeaderVariantsAccepted() throws {
        let data = bytesOf((0..<24).map { Int16($0 - 12) })
        let dicts = [
            "{\"shape\": (2,3,4), \"fortran_order\": False, \"descr\": \"<i2\"}",
            "{'descr':'=i2','fortran_order':False,'shape':(2, 3, 4)}",
            "{ 'descr' : 'i2' , 'fortran_order' : False , 'shape' : ( 2 , 3 , 4 , ) , }",
        ]
        for dict in dicts {
            for version: UInt8 in [1, 2] {
                let v = try VolumeReader.read(bytes: npyBytes(dict: dict, version: version, data: data), name: "h.npy").volume
                assertAllClose(v.data, (0..<24).map { Float($0 - 12) }, abs: 0, dict)
            }
        }
        let b = try VolumeReader.read(bytes: npyBytes(dict: npyDict(descr: "|B", shape: [1, 1, 2]), data: [200, 7]), name: "b.npy")
        assertAllClose(b.volume.data, [200, 7], abs: 0)
    }

    /// Larger than one 32×32 tile in both in-plane axes (70×45, partial tiles at the edges):
    /// Fortran-order big-endian int32 against the definition, element (a, b, c) stored at
    /// a + s·(b + h·c).
    func testFortranOrderAcrossSeveralTiles() throws {
        let (s, h, w) = (3, 70, 45)
        var raw = [Int32](repeating: 0, count: s * h * w)
        for a in 0..<s { for b in 0..<h { for c in 0..<w { raw[a + s * (b + h * c)] = Int32(a * 10000 + b * 100 + c) } } }
        let bytes = npyBytes(dict: npyDict(descr: ">i4", fortran: true, shape: [s, h, w]), data: bytesOf(raw, bigEndian: true))
        let v = try VolumeReader.read(bytes: bytes, name: "f.npy").volume
        var expected: [Float] = []
        for a in 0..<s { for b in 0..<h { for c in 0..<w { expected.append(Float(a * 10000 + b * 100 + c)) } } }
        assertAllClose(v.data, expected, abs: 0)
    }

    func testVolumeReaderAndNpyReaderAgreeAndOptionsAreValidated() throws {
        let path = try IOFixtures.path("npy/i2_be_F.npy")
        let a = try VolumeReader.read(path: path).volume
        let b = try NpyReader.read(path: path).volume
        XCTAssertEqual(a, b)
        assertImagingError(.argument, file: nil) { try VolumeReader.read(path: path, options: .init(sliceAxis: 3)) }
        assertImagingError(.argument, file: nil) { try VolumeReader.read(path: path, options: .init(memoryBudgetBytes: 0)) }
        assertImagingError(.format, file: "/tmp/volume.mha") { try VolumeReader.read(path: "/tmp/volume.mha") }
        assertImagingError(.io, file: "/nonexistent/x.npy") { try VolumeReader.read(path: "/nonexistent/x.npy") }
        assertImagingError(.io, file: "/nonexistent/x.nii.gz") { try VolumeReader.read(path: "/nonexistent/x.nii.gz") }
        let dir = try IOTempDir()
        try FileManager.default.createDirectory(atPath: dir.path + "/d.npy", withIntermediateDirectories: false)
        assertImagingError(.io, file: dir.path + "/d.npy") { try VolumeReader.read(path: dir.path + "/d.npy") }
    }
}
