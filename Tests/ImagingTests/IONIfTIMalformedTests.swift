import XCTest
@testable import Imaging

/// Every malformed NIfTI case gets its typed error naming the file; none crashes.
final class IONIfTIMalformedTests: XCTestCase {
    /// A valid 4×5×3 int16 image (values 0…59), little- or big-endian.
    func valid(bigEndian: Bool = false) -> [UInt8] {
        niftiBytes(dim: [3, 4, 5, 3], datatype: 4, bitpix: 16, bigEndian: bigEndian,
                   data: bytesOf((0..<60).map(Int16.init), bigEndian: bigEndian))
    }

    func read(_ bytes: [UInt8], _ name: String = "bad.nii", options: VolumeReadOptions = .init()) throws -> Volume {
        try VolumeReader.read(bytes: bytes, name: name, options: options).volume
    }

    func testValidBaselineBothEndiannesses() throws {
        XCTAssertEqual(try read(valid()), try read(valid(bigEndian: true)))
    }

    func testTruncationAtEveryOffsetPlainAndGzip() throws {
        let full = valid()
        for cut in 0..<full.count {
            assertImagingError(.truncated, file: "bad.nii", "cut at \(cut)") { try read(Array(full[0..<cut])) }
        }
        let gz = try gzipBytes(full)
        for cut in 0..<gz.count {
            assertImagingError(.truncated, file: "bad.nii.gz", "gzip cut at \(cut)") { try read(Array(gz[0..<cut]), "bad.nii.gz") }
        }
        let dir = try IOTempDir()
        for cut in [0, 100, 348, 360, 400] {
            let path = try dir.write(Array(full[0..<cut]), "cut\(cut).nii")
            assertImagingError(.truncated, file: path) { try VolumeReader.read(path: path) }
            let gzPath = try dir.write(Array(gz[0..<min(cut, gz.count - 1)]), "cut\(cut).nii.gz")
            assertImagingError(.truncated, file: gzPath) { try VolumeReader.read(path: gzPath) }
        }
    }

    func testHeaderIdentity() {
        var b = valid(); b.replaceSubrange(0..<4, with: bytesOf([Int32(540)]))
        assertImagingError(.format, file: "bad.nii", "NIfTI-2") { try read(b) }
        b = valid(); b.replaceSubrange(0..<4, with: bytesOf([Int32(349)]))
        assertImagingError(.format, file: "bad.nii", "sizeof_hdr") { try read(b) }
        b = valid(); b.replaceSubrange(344..<348, with: Array("ni1".utf8) + [0])
        assertImagingError(.format, file: "bad.nii", "pair magic") { try read(b) }
        b = valid(bigEndian: true); b[345] = UInt8(ascii: "x")
        assertImagingError(.format, file: "bad.nii", "bad magic") { try read(b) }
    }

    func testDimensionProblems() {
        for dim: [Int16] in [[1, 60], [5, 4, 5, 3, 1, 1], [0, 4, 5, 3], [-3, 4, 5, 3], [3, 4, 0, 3], [3, -4, 5, 3], [4, 4, 5, 3, 0]] {
            for big in [false, true] {
                let b = niftiBytes(dim: dim, datatype: 4, bitpix: 16, bigEndian: big, data: [UInt8](repeating: 0, count: 120))
                assertImagingError(.shape, file: "bad.nii", "dim \(dim) big \(big)") { try read(b) }
            }
        }
    }

    func testDatatypeProblems() {
        for (code, bitpix) in [(Int16(32), Int16(64)), (128, 24), (2304, 32), (0, 0), (1, 1), (1792, 128), (1280, 64), (16, 32 * 2)] {
            let b = niftiBytes(dim: [3, 1, 1, 1], datatype: code, bitpix: bitpix, data: [0, 0, 0, 0, 0, 0, 0, 0])
            let expected: ImagingError.Code = code == 16 ? .format : .dtype  // float32 with bitpix 64: a lying bitpix
            assertImagingError(expected, file: "bad.nii", "datatype \(code) bitpix \(bitpix)") { try read(b) }
        }
    }

    func testVoxOffsetProblems() {
        for vox in [Float(100), 347, .nan, .infinity, 352.5, 3e9, -352] {
            var b = valid()
            b.replaceSubrange(108..<112, with: bytesOf([vox.bitPattern]))
            assertImagingError(.format, file: "bad.nii", "vox_offset \(vox)") { try read(b) }
        }
        var b = valid()
        b.replaceSubrange(108..<112, with: bytesOf([Float(100_000).bitPattern]))
        assertImagingError(.truncated, file: "bad.nii", "vox_offset beyond the end") { try read(b) }
    }

    /// Shorter data: `.truncated` (also a missing second volume of a 4-D file); longer: `.shape`.
    func testDataSizeLies() throws {
        let data = bytesOf((0..<60).map(Int16.init))
        assertImagingError(.truncated, file: "bad.nii") { try read(niftiBytes(dim: [3, 4, 5, 4], datatype: 4, bitpix: 16, data: data)) }
        assertImagingError(.shape, file: "bad.nii") { try read(niftiBytes(dim: [3, 4, 5, 2], datatype: 4, bitpix: 16, data: data)) }
        assertImagingError(.truncated, file: "bad.nii", "4-D, second volume cut") {
            try read(niftiBytes(dim: [4, 4, 5, 3, 2], datatype: 4, bitpix: 16, data: data + data.dropLast(2)))
        }
        XCTAssertEqual(try read(niftiBytes(dim: [4, 4, 5, 3, 2], datatype: 4, bitpix: 16, data: data + data)).data.count, 60)
        assertImagingError(.shape, file: "bad.nii", "4-D with extra bytes") {
            try read(niftiBytes(dim: [4, 4, 5, 3, 2], datatype: 4, bitpix: 16, data: data + data + [0]))
        }
        assertImagingError(.shape, file: "bad.nii.gz", "gzip with extra decompressed bytes") {
            try read(gzipBytes(valid() + [1, 2]), "bad.nii.gz")
        }
    }

    func testGzipCorruption() throws {
        let gz = try gzipBytes(valid())
        var flipped = gz
        flipped[gz.count / 2] ^= 0xff
        assertImagingError(.format, file: "bad.nii.gz", "flipped deflate byte") { try read(flipped, "bad.nii.gz") }
        var crc = gz
        crc[gz.count - 6] ^= 0x01  // inside the CRC-32 of the trailer
        assertImagingError(.format, file: "bad.nii.gz", "bad CRC") { try read(crc, "bad.nii.gz") }
        assertImagingError(.format, file: "bad.nii.gz", "garbage after the stream") { try read(gz + [0x00, 0x42], "bad.nii.gz") }
        XCTAssertEqual(try read(gz + gzipBytes([]), "ok.nii.gz"), try read(valid()), "an empty second member is fine")
    }

    func testNonFiniteAndOutOfRange() {
        var values = [Float](repeating: 1, count: 60)
        values[23] = .nan
        let f = niftiBytes(dim: [3, 4, 5, 3], datatype: 16, bitpix: 32, bigEndian: true, data: bytesOf(values.map(\.bitPattern), bigEndian: true))
        assertImagingError(.nonFinite, file: "bad.nii") { try read(f) }
        do { _ = try read(f) } catch let e as ImagingError {
            // element 23 = i + 4*(j + 5*k): i=3, j=0, k=1 → slice 1, row 3, column 0.
            XCTAssertTrue(e.message.contains("(slice 1, row 3, column 0)"), e.description)
        } catch { XCTFail("\(error)") }
        let scaled = niftiBytes(dim: [3, 4, 5, 3], datatype: 4, bitpix: 16, slope: 1e38, inter: 0, data: bytesOf((0..<60).map(Int16.init)))
        assertImagingError(.value, file: "bad.nii", "scaled beyond float32") { try read(scaled) }
        let d = niftiBytes(dim: [3, 1, 1, 1], datatype: 64, bitpix: 64, data: bytesOf([(-Double.infinity).bitPattern]))
        assertImagingError(.nonFinite, file: "bad.nii") { try read(d) }
    }

    func testMemoryBudget() throws {
        assertImagingError(.tooLarge, file: "bad.nii") {
            try read(niftiBytes(dim: [4, 32767, 32767, 32767, 32767], datatype: 64, bitpix: 64, data: []))
        }
        // 60 int16 voxels need 60 × (2 + 4) = 360 bytes.
        assertImagingError(.tooLarge, file: "bad.nii") { try read(valid(), options: .init(memoryBudgetBytes: 359)) }
        XCTAssertEqual(try read(valid(), options: .init(memoryBudgetBytes: 360)).data.count, 60)
        assertImagingError(.tooLarge, file: "bad.nii.gz") { try read(gzipBytes(valid()), "bad.nii.gz", options: .init(memoryBudgetBytes: 359)) }
    }
}
