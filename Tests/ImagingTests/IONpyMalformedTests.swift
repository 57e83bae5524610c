import XCTest
@testable import Imaging

/// Every malformed `.npy` case gets its typed error naming the file; none crashes.
final class IONpyMalformedTests: XCTestCase {
    /// A valid 3×4×5 little-endian float32 file with values 0, 1, 2, … (960 - header bytes).
    func validFile() -> [UInt8] {
        NpyWriter.encode(float32: (0..<60).map(Float.init), shape: [3, 4, 5])
    }

    func read(_ bytes: [UInt8], options: VolumeReadOptions = .init()) throws -> VolumeReadResult {
        try VolumeReader.read(bytes: bytes, name: "bad.npy", options: options)
    }

    func testBadMagicAndVersion() {
        var bytes = validFile()
        bytes[0] = 0x92
        assertImagingError(.format, file: "bad.npy") { try read(bytes) }
        assertImagingError(.format, file: "bad.npy") { try read([0x50, 0x4B, 0x03, 0x04] + validFile()) }  // a zip (npz)
        bytes = validFile(); bytes[6] = 4
        assertImagingError(.format, file: "bad.npy", "version 4.0") { try read(bytes) }
        bytes = validFile(); bytes[7] = 1
        assertImagingError(.format, file: "bad.npy", "version 1.1") { try read(bytes) }
    }

    /// Cutting the file anywhere — in the magic, the length, the header dict or the data —
    /// is `.truncated`.
    func testTruncationAtEveryOffset() throws {
        let full = validFile()
        XCTAssertEqual(full.count, 128 + 240)
        for cut in 0..<full.count {
            assertImagingError(.truncated, file: "bad.npy", "cut at \(cut)") { try read(Array(full[0..<cut])) }
        }
        // The same through a real file on disk.
        let dir = try IOTempDir()
        for cut in [0, 3, 9, 50, 128, 129, 367] {
            let path = try dir.write(Array(full[0..<cut]), "cut\(cut).npy")
            assertImagingError(.truncated, file: path, "file cut at \(cut)") { try VolumeReader.read(path: path) }
        }
    }

    /// Data shorter than the shape needs: `.truncated`; longer: `.shape` (trailing bytes).
    func testHeaderLyingAboutShape() throws {
        let data = bytesOf((0..<60).map { Float($0).bitPattern })
        assertImagingError(.truncated, file: "bad.npy") { try read(npyBytes(dict: npyDict(descr: "<f4", shape: [3, 4, 6]), data: data)) }
        assertImagingError(.shape, file: "bad.npy") { try read(npyBytes(dict: npyDict(descr: "<f4", shape: [3, 4, 4]), data: data)) }
        assertImagingError(.shape, file: "bad.npy", "one trailing byte") { try read(validFile() + [0]) }
        assertImagingError(.truncated, file: "bad.npy", "int16 says twice the bytes") {
            try read(npyBytes(dict: npyDict(descr: "<f8", shape: [3, 4, 5]), data: data))
        }
        let dir = try IOTempDir()
        let path = try dir.write(validFile() + [1, 2, 3], "long.npy")
        assertImagingError(.shape, file: path) { try VolumeReader.read(path: path) }
    }

    func testUnsupportedDtypes() {
        for descr in ["<c8", "|O", "<U3", "|S3", "<f2", "|b1", "<M8[ns]", "<m8[s]", "|V4", "<u8", "<f16", "", "<"] {
            assertImagingError(.dtype, file: "bad.npy", descr) {
                try read(npyBytes(dict: npyDict(descr: descr, shape: [1, 1, 1]), data: [0, 0, 0, 0]))
            }
        }
        let structured = "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1, 1, 1), }"
        assertImagingError(.dtype, file: "bad.npy") { try read(npyBytes(dict: structured, data: [0, 0, 0, 0])) }
    }

    func testShapeProblems() {
        for shape in [[0, 4, 5], [3, 0, 5], [3, 4, 0], [0, 0]] {
            assertImagingError(.shape, file: "bad.npy", "\(shape)") { try read(npyBytes(dict: npyDict(descr: "|u1", shape: shape), data: [])) }
        }
        for shape in [[], [60], [1, 3, 4, 5]] {
            assertImagingError(.shape, file: "bad.npy", "rank \(shape.count)") {
                try read(npyBytes(dict: npyDict(descr: "|u1", shape: shape), data: [UInt8](repeating: 1, count: 60)))
            }
        }
    }

    func testNonFiniteSamples() throws {
        for (bad, position) in [(Float.nan, 0), (Float.infinity, 37), (-Float.infinity, 59)] {
            var values = (0..<60).map(Float.init)
            values[position] = bad
            let bytes = NpyWriter.encode(float32: values, shape: [3, 4, 5])
            assertImagingError(.nonFinite, file: "bad.npy", "\(bad) at \(position)") { try read(bytes) }
            do { _ = try read(bytes) } catch let e as ImagingError {
                let (s, y, x) = (position / 20, position / 5 % 4, position % 5)
                XCTAssertTrue(e.message.contains("(slice \(s), row \(y), column \(x))"), e.description)
            }
        }
        // float64: NaN, big-endian Inf, and a finite value beyond the float32 range.
        let nan = bytesOf([Double.nan.bitPattern])
        assertImagingError(.nonFinite, file: "bad.npy") { try read(npyBytes(dict: npyDict(descr: "<f8", shape: [1, 1, 1]), data: nan)) }
        let inf = bytesOf([Double.infinity.bitPattern], bigEndian: true)
        assertImagingError(.nonFinite, file: "bad.npy") { try read(npyBytes(dict: npyDict(descr: ">f8", shape: [1, 1, 1]), data: inf)) }
        let huge = bytesOf([1e300.bitPattern])
        assertImagingError(.value, file: "bad.npy") { try read(npyBytes(dict: npyDict(descr: "<f8", shape: [1, 1, 1]), data: huge)) }
    }

    /// Dimensions over the budget fail before anything is allocated, also when the product
    /// overflows; the check is exact: count × (itemsize + 4) bytes.
    func testMemoryBudget() throws {
        assertImagingError(.tooLarge, file: "bad.npy") {
            try read(npyBytes(dict: npyDict(descr: "<f4", shape: [100_000, 100_000, 100_000]), data: []))
        }
        let big = 1 << 40
        assertImagingError(.tooLarge, file: "bad.npy", "overflowing product") {
            try read(npyBytes(dict: npyDict(descr: "<f8", shape: [big, big, big]), data: []))
        }
        assertImagingError(.tooLarge, file: "bad.npy", "overflowing byte count") {
            try read(npyBytes(dict: npyDict(descr: "<f8", shape: [1 << 30, 1 << 30, 1 << 2]), data: []))
        }
        assertImagingError(.format, file: "bad.npy", "integer beyond Int64") {
            try read(npyBytes(dict: npyDict(descr: "<f4", shape: [1, 1, 1]).replacingOccurrences(of: "(1, 1, 1)", with: "(99999999999999999999, 1, 1)"), data: []))
        }
        // 60 float32 samples need 60 × (4 + 4) = 480 bytes.
        assertImagingError(.tooLarge, file: "bad.npy") { try read(validFile(), options: .init(memoryBudgetBytes: 479)) }
        XCTAssertEqual(try read(validFile(), options: .init(memoryBudgetBytes: 480)).volume.data.count, 60)
        // uint8: 60 × (1 + 4) = 300 bytes.
        let u8 = NpyWriter.encode(uint8: [UInt8](repeating: 9, count: 60), shape: [3, 4, 5])
        assertImagingError(.tooLarge, file: "bad.npy") { try read(u8, options: .init(memoryBudgetBytes: 299)) }
        XCTAssertEqual(try read(u8, options: .init(memoryBudgetBytes: 300)).volume.data.count, 60)
    }

    func testMalformedHeaderDicts() {
        let dicts = [
            "['descr', '<f4']",
            "{'descr': '<f4', 'fortran_order': False}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1), 'extra': 1}",
            "{'descr': '<f4', 'fortran_order': 0, 'shape': (1, 1, 1)}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': [1, 1, 1]}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1, -1, 1)}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1.5)}",
            "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1)}",
            "{'descr: '<f4', 'fortran_order': False, 'shape': (1, 1, 1)}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1)} junk",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1)",
            "{'descr': '<f4', 'fortran_order': False, 'shape': " + String(repeating: "(", count: 50) + "}",
            "{1: '<f4'}",
            "",
            "{'descr': '<f4' 'fortran_order': False, 'shape': (1, 1, 1)}",
        ]
        for dict in dicts {
            assertImagingError(.format, file: "bad.npy", dict) { try read(npyBytes(dict: dict, data: [0, 0, 128, 63])) }
        }
        // Version 2 with an implausible header length (4 GiB - 1).
        let bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [2, 0, 0xff, 0xff, 0xff, 0xff] + [UInt8](repeating: 0x20, count: 100)
        assertImagingError(.format, file: "bad.npy") { try read(bytes) }
    }
}
