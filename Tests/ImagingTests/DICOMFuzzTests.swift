import Common
import Foundation
import TestSupport
import XCTest
@testable import Imaging

/// Deterministic fuzzing of the DICOM path (DCMTK's parser and decoders behind `CDicom`) on
/// files made by DCMTK's tools: every truncation, a byte flip at every offset, seeded multi-byte
/// corruption. A read must succeed with a consistent volume or throw an `ImagingError`; a crash
/// would kill the test run (and, in production, a worker).
final class DICOMFuzzTests: XCTestCase {
    func testCorruptedFilesNeverCrashTheReader() throws {
        if let why = DCMTK.missing() { throw XCTSkip(why) }
        let tmp = try IOTempDir()
        var fixture = DICOMSeriesFixture.pattern(slices: 1, rows: 6, columns: 5)
        fixture.slope = 3
        let options = VolumeReadOptions(memoryBudgetBytes: 16 << 20)
        for syntax in [DICOMSyntax.explicitLittle, .implicitLittle, .explicitBig, .deflated, .rle, .jpegLossless, .jpegLS] {
            let file = try fixture.write(to: tmp.path + "/" + syntax.rawValue, syntax: syntax)[0]
            let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
            var ok = 0, failed = 0
            func check(_ bytes: [UInt8], _ what: @autoclosure () -> String) {
                do {
                    let v = try VolumeReader.read(bytes: bytes, name: "fuzz.dcm", options: options).volume
                    XCTAssertEqual(v.data.count, v.slices * v.height * v.width, what())
                    XCTAssertTrue(v.data.allSatisfy(\.isFinite), what())
                    ok += 1
                } catch is ImagingError {
                    failed += 1
                } catch {
                    XCTFail("\(what()): non-ImagingError \(error)")
                }
            }
            XCTAssertEqual(try VolumeReader.read(bytes: original, name: "fuzz.dcm").volume.data, fixture.expected, syntax.rawValue)
            for cut in 0..<original.count { check(Array(original[0..<cut]), "\(syntax) cut \(cut)") }
            for offset in original.indices {
                var b = original
                b[offset] ^= 0xFF
                check(b, "\(syntax) flip at \(offset)")
            }
            var rng = SplitMix64(seed: 14)
            for trial in 0..<300 {
                var b = original
                for _ in 0..<(1 + Int(rng.next() % 8)) { b[Int(rng.next() % UInt64(b.count))] = UInt8(truncatingIfNeeded: rng.next()) }
                check(b, "\(syntax) random trial \(trial)")
            }
            XCTAssertGreaterThan(ok, 0, "\(syntax): flips inside pixel data keep the file readable")
            XCTAssertGreaterThan(failed, 0, "\(syntax): cuts must fail")
        }
    }
}
