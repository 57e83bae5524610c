import Common
import XCTest
@testable import Imaging

/// Deterministic fuzzing of the readers: every truncation, single-byte flips at every offset
/// with three masks, and seeded multi-byte corruption. A read must either succeed with a
/// consistent volume or throw an `ImagingError`; any other error fails, a crash kills the run.
final class IOFuzzTests: XCTestCase {
    let options = VolumeReadOptions(memoryBudgetBytes: 16 << 20)

    func check(_ bytes: [UInt8], _ name: String, _ what: @autoclosure () -> String, counts: inout (ok: Int, failed: Int)) {
        do {
            let v = try VolumeReader.read(bytes: bytes, name: name, options: options).volume
            XCTAssertEqual(v.data.count, v.slices * v.height * v.width, what())
            XCTAssertTrue(v.data.allSatisfy(\.isFinite), what())
            counts.ok += 1
        } catch is ImagingError {
            counts.failed += 1
        } catch {
            XCTFail("\(what()): non-ImagingError \(error)")
        }
    }

    func fuzz(_ original: [UInt8], _ name: String) -> (ok: Int, failed: Int) {
        var counts = (ok: 0, failed: 0)
        for cut in 0..<original.count {
            check(Array(original[0..<cut]), name, "\(name) cut \(cut)", counts: &counts)
        }
        for offset in original.indices {
            for mask: UInt8 in [0x01, 0x80, 0xFF] {
                var b = original
                b[offset] ^= mask
                check(b, name, "\(name) flip \(mask) at \(offset)", counts: &counts)
            }
        }
        var rng = SplitMix64(seed: 2024)
        for trial in 0..<300 {
            var b = original
            for _ in 0..<(1 + Int(rng.next() % 8)) {
                b[Int(rng.next() % UInt64(b.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            check(b, name, "\(name) random trial \(trial)", counts: &counts)
        }
        return counts
    }

    func testFuzzNpy() throws {
        for file in ["f4_le_C.npy", "i2_be_F.npy", "v2_f4_le_C.npy"] {
            let counts = fuzz(try IOFixtures.bytes("npy/" + file), file)
            XCTAssertGreaterThan(counts.ok, 0, file)  // flips inside the data keep the file valid
            XCTAssertGreaterThan(counts.failed, 0, file)
        }
    }

    /// Random header dicts over the characters npy headers are made of: the parser returns a
    /// header or throws an `ImagingError`, and a parsed header always has a supported type.
    func testFuzzNpyHeaderText() {
        let alphabet = Array("{}()[]',:\"0123456789-L <>|=iuf TrueFalsNondescrfortan_ordershp\n".utf8)
        let pieces = ["'descr'", "'<f4'", "'fortran_order'", "False", "True", "'shape'", "(3, 4, 5)", "(", ")", "{", "}", ",", ":", " "]
        var rng = SplitMix64(seed: 99)
        for trial in 0..<3000 {
            var text: [UInt8] = []
            for _ in 0..<(Int(rng.next() % 24)) {
                if rng.next() % 2 == 0 {
                    text += Array(pieces[Int(rng.next() % UInt64(pieces.count))].utf8)
                } else {
                    text.append(alphabet[Int(rng.next() % UInt64(alphabet.count))])
                }
            }
            do {
                let header = try NpyHeader.parse(text, file: "h.npy")
                XCTAssertTrue(header.shape.allSatisfy { $0 >= 0 }, "trial \(trial)")
            } catch let e as ImagingError {
                XCTAssertTrue([.format, .dtype].contains(e.code), "trial \(trial): \(e)")
            } catch {
                XCTFail("trial \(trial): non-ImagingError \(error)")
            }
        }
        let valid = Array("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4, 5), }".utf8)
        XCTAssertEqual(try NpyHeader.parse(valid, file: "h.npy").shape, [3, 4, 5])
    }

    func testFuzzNIfTI() throws {
        for file in ["le_i2.nii", "be_f4.nii", "be_u2_scl.nii.gz", "le_f4.nii.gz"] {
            let counts = fuzz(try IOFixtures.bytes("nifti/" + file), file)
            XCTAssertGreaterThan(counts.ok, 0, file)
            XCTAssertGreaterThan(counts.failed, 0, file)
        }
    }
}
