import Foundation
import TestSupport
import XCTest
@testable import Imaging

/// DICOM series made by DCMTK's tools at test time (TestSupport's `DICOMSeriesFixture`), read
/// back through `VolumeReader`: every transfer syntax lossless to the voxel, order from positions,
/// geometry, series choice by plane, Enhanced MR multi-frame.
final class DICOMSeriesReaderTests: XCTestCase {
    var tmp: IOTempDir!

    override func setUpWithError() throws {
        if let why = DCMTK.missing() { throw XCTSkip(why) }
        tmp = try IOTempDir()
    }

    func testEveryTransferSyntaxReadsExactlyInPositionOrder() throws {
        var fixture = DICOMSeriesFixture.pattern(slices: 5, rows: 6, columns: 7)
        fixture.slope = 2; fixture.intercept = -50
        for syntax in DICOMSyntax.allCases {
            let dir = tmp.path + "/" + syntax.rawValue
            try fixture.write(to: dir, syntax: syntax, seed: 3)
            let r = try VolumeReader.read(path: dir)
            XCTAssertEqual(r.format, .dicom)
            XCTAssertEqual([r.volume.slices, r.volume.height, r.volume.width], [5, 6, 7], syntax.rawValue)
            XCTAssertEqual(r.volume.data, fixture.expected, "\(syntax): pixels, order or rescale differ")
            XCTAssertEqual(r.sourceDType, "uint16")
            let g = try XCTUnwrap(r.geometry)
            XCTAssertEqual(g.plane, .sagittal)
            XCTAssertEqual(g.spacingMM.slice, 3, accuracy: 1e-9)
            XCTAssertEqual(g.spacingMM.row, 0.5, accuracy: 1e-9)
            XCTAssertEqual(g.spacingMM.column, 0.625, accuracy: 1e-9)
            XCTAssertEqual(r.series, fixture.seriesUID + " (KneeFlow fixture)")
            XCTAssertTrue(r.notes.contains { $0.contains("RescaleSlope") }, "\(r.notes)")
        }
        // The file names and InstanceNumbers really are shuffled: sorting by either is wrong.
        let names = try FileManager.default.contentsOfDirectory(atPath: tmp.path + "/explicitLittle").sorted()
        let first = try VolumeReader.read(path: tmp.path + "/explicitLittle/" + names[0])
        XCTAssertNotEqual(first.volume.data, Array(fixture.expected[0..<42]), "the first file by name is not slice 0")
    }

    func testSignedSamplesAndSingleFileInput() throws {
        var fixture = DICOMSeriesFixture(slices: 3, rows: 2, columns: 2, values: [-5, 0, 7, -2048, 2047, 1, -1, 3, 4, 5, 6, -7])
        fixture.signed = true
        let paths = try fixture.write(to: tmp.path + "/signed", seed: 9)
        XCTAssertEqual(try VolumeReader.read(path: tmp.path + "/signed").volume.data, fixture.expected)
        XCTAssertEqual(try VolumeReader.read(path: tmp.path + "/signed").sourceDType, "int16")
        // One file alone is a one-slice volume.
        let one = try VolumeReader.read(path: paths[1])
        XCTAssertEqual(one.volume.data, [2047, 1, -1, 3])
        // From bytes, as the worker reads after hashing.
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: paths[1])))
        XCTAssertEqual(try VolumeReader.read(bytes: bytes, name: paths[1]).volume.data, [2047, 1, -1, 3])
    }

    func testSeriesAreGroupedAndChosenByPlane() throws {
        let dir = tmp.path + "/two"
        let sagittal = DICOMSeriesFixture.pattern(slices: 4, rows: 3, columns: 5)
        var axial = DICOMSeriesFixture.pattern(slices: 6, rows: 5, columns: 5)
        axial.seriesUID = "1.2.826.0.1.3680043.2.1125.77.2"
        axial.orientation = [1, 0, 0, 0, 1, 0]
        axial.values = axial.values.map { $0 + 1000 }
        try sagittal.write(to: dir, seed: 1)
        try axial.write(to: dir + "/axial", seed: 2)   // a sub-folder: directories are read recursively
        try Data("not DICOM".utf8).write(to: URL(fileURLWithPath: dir + "/README.txt"))

        let s = try VolumeReader.read(path: dir)
        XCTAssertEqual(s.volume.data, sagittal.expected)
        XCTAssertTrue(s.notes.contains { $0.contains("2 series") && $0.contains(axial.seriesUID) }, "\(s.notes)")
        XCTAssertTrue(s.notes.contains { $0.contains("skipped 1") && $0.contains("README.txt") }, "\(s.notes)")
        let a = try VolumeReader.read(path: dir, options: .init(plane: .axial))
        XCTAssertEqual(a.volume.data, axial.expected)
        XCTAssertEqual(a.geometry?.plane, .axial)
        assertImagingError(.shape, file: dir) { try VolumeReader.read(path: dir, options: .init(plane: .coronal)) }

        // A second, longer sagittal series: the one with more slices is read, and the note says so.
        var longer = DICOMSeriesFixture.pattern(slices: 7, rows: 3, columns: 5)
        longer.seriesUID = "1.2.826.0.1.3680043.2.1125.77.3"
        try longer.write(to: dir + "/longer", seed: 5)
        let chosen = try VolumeReader.read(path: dir)
        XCTAssertEqual(chosen.volume.data, longer.expected)
        XCTAssertTrue(chosen.notes.contains { $0.contains("3 series: read \(longer.seriesUID) (7 slices)") }, "\(chosen.notes)")
    }

    func testEnhancedMultiFrameFile() throws {
        var fixture = DICOMSeriesFixture.pattern(slices: 6, rows: 4, columns: 3)
        fixture.slope = 0.5; fixture.intercept = 10
        for syntax in [DICOMSyntax.explicitLittle, .jpegLS, .rle] {
            let path = tmp.path + "/enhanced-\(syntax.rawValue).dcm"
            try fixture.writeMultiFrame(to: path, syntax: syntax, seed: 11)
            let r = try VolumeReader.read(path: path)
            XCTAssertEqual(r.volume.data, fixture.expected, "\(syntax): frames must be ordered by their per-frame positions")
            XCTAssertEqual(r.geometry?.spacingMM.slice ?? 0, 3, accuracy: 1e-9)
            XCTAssertEqual(r.geometry?.spacingMM.row ?? 0, 0.5, accuracy: 1e-9)
        }
    }

    func testInconsistentGeometryNamesTheFiles() throws {
        let base = DICOMSeriesFixture.pattern(slices: 5, rows: 4, columns: 4)
        // A missing slice: the gap is twice the spacing.
        let gap = tmp.path + "/gap"
        let written = try base.write(to: gap, seed: 2, only: [0, 1, 3, 4])
        assertError(.shape, containing: [written[1], written[2], "missing slice"]) { try VolumeReader.read(path: gap) }
        // Two files at one position.
        let dup = tmp.path + "/dup"
        let files = try base.write(to: dup, seed: 2)
        try FileManager.default.copyItem(atPath: files[2], toPath: dup + "/COPY")
        assertError(.shape, containing: ["duplicate", "COPY", files[2]]) { try VolumeReader.read(path: dup) }
        // A file of another size in the series.
        let mixed = tmp.path + "/mixed"
        try base.write(to: mixed, seed: 2, only: [0, 1, 2, 3])
        var other = DICOMSeriesFixture.pattern(slices: 5, rows: 4, columns: 6)
        let odd = try other.write(to: mixed + "/odd", seed: 2, only: [4])
        assertError(.shape, containing: ["mixes sizes", odd[0]]) { try VolumeReader.read(path: mixed) }
        // A file with another orientation in the series.
        let turned = tmp.path + "/turned"
        try base.write(to: turned, seed: 2, only: [0, 1, 2, 3])
        other = base
        other.orientation = [0, 0.8, 0.6, 0, 0.6, -0.8]
        let tilted = try other.write(to: turned + "/t", seed: 2, only: [4])
        assertError(.shape, containing: ["mixes orientations", tilted[0]]) { try VolumeReader.read(path: turned) }
    }

    func testMalformedFilesGetTypedErrors() throws {
        let fixture = DICOMSeriesFixture.pattern(slices: 1, rows: 8, columns: 8)
        let good = try fixture.write(to: tmp.path + "/good", seed: 1)[0]
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: good)))
        // Truncated inside the pixel data.
        let cut = try tmp.write(Array(bytes.prefix(bytes.count - 40)), "cut.dcm")
        assertImagingError(.truncated, file: cut) { try VolumeReader.read(path: cut) }
        // Pixel data shorter than Rows × Columns needs (a wrong header, made by dump2dcm).
        var short = fixture
        short.rows = 9   // header says 9×8, the pixel file holds 8×8
        short.values = fixture.values + Array(repeating: 0, count: 8)
        let shortDir = tmp.path + "/short"
        try short.write(to: shortDir, seed: 1)
        let shortFile = shortDir + "/" + (try FileManager.default.contentsOfDirectory(atPath: shortDir)[0])
        try truncatePixelData(shortFile, by: 16)
        assertError(.truncated, containing: ["PixelData holds", shortFile]) { try VolumeReader.read(path: shortDir) }
        // A transfer syntax DCMTK cannot decode: a JPEG-LS file relabelled as JPEG 2000 lossless.
        let jls = try fixture.write(to: tmp.path + "/jls", syntax: .jpegLS, seed: 1)[0]
        var relabelled = [UInt8](try Data(contentsOf: URL(fileURLWithPath: jls)))
        let from = Array("1.2.840.10008.1.2.4.80".utf8), to = Array("1.2.840.10008.1.2.4.90".utf8)
        let at = try XCTUnwrap((0...(relabelled.count - from.count)).first { Array(relabelled[$0..<($0 + from.count)]) == from })
        relabelled.replaceSubrange(at..<(at + from.count), with: to)
        let j2k = try tmp.write(relabelled, "j2k.dcm")
        assertError(.unsupported, containing: ["JPEG 2000", j2k]) { try VolumeReader.read(path: j2k) }
        // Not DICOM at all, and a directory with nothing DICOM in it.
        let junk = try tmp.write(Array(repeating: 7, count: 300), "junk.dcm")
        assertImagingError(.format, file: junk) { try VolumeReader.read(path: junk) }
        let empty = tmp.path + "/nodicom"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        _ = try IOTempDirWriter.write(Array("hello".utf8), empty + "/a.txt")
        assertImagingError(.format, file: empty) { try VolumeReader.read(path: empty) }
    }

    /// Shortens the PixelData element of an explicit-little-endian file by `bytes` (its length
    /// field and the file end), as a writer that lost the end of the data would.
    private func truncatePixelData(_ path: String, by bytes: Int) throws {
        var b = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let tag: [UInt8] = [0xE0, 0x7F, 0x10, 0x00, 0x4F, 0x57, 0, 0]   // (7fe0,0010) OW, reserved
        let at = try XCTUnwrap((0...(b.count - 12)).last { Array(b[$0..<($0 + 8)]) == tag })
        let length = UInt32(b[at + 8]) | UInt32(b[at + 9]) << 8 | UInt32(b[at + 10]) << 16 | UInt32(b[at + 11]) << 24
        let shorter = length - UInt32(bytes)
        for k in 0..<4 { b[at + 8 + k] = UInt8((shorter >> (8 * UInt32(k))) & 0xff) }
        b.removeLast(bytes)
        try Data(b).write(to: URL(fileURLWithPath: path))
    }

    private func assertError<T>(_ code: ImagingError.Code, containing parts: [String], _ body: () throws -> T,
                                file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try body()
            XCTFail("expected ImagingError(.\(code))", file: file, line: line)
        } catch let e as ImagingError {
            XCTAssertEqual(e.code, code, "\(e)", file: file, line: line)
            for p in parts { XCTAssertTrue("\(e)".contains(p), "\(e) should mention \(p)", file: file, line: line) }
        } catch {
            XCTFail("expected ImagingError, got \(error)", file: file, line: line)
        }
    }
}

enum IOTempDirWriter {
    static func write(_ bytes: [UInt8], _ path: String) throws -> String {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}
