import XCTest
import Foundation
@testable import Phantom

final class NiftiEncoderTests: XCTestCase {
    private func i16(_ b: [UInt8], _ at: Int) -> Int { Int(Int16(bitPattern: UInt16(b[at]) | UInt16(b[at + 1]) << 8)) }
    private func i32(_ b: [UInt8], _ at: Int) -> Int {
        Int(Int32(bitPattern: UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24))
    }
    private func f32(_ b: [UInt8], _ at: Int) -> Float { Float(bitPattern: UInt32(truncatingIfNeeded: i32(b, at))) }

    /// Header fields at their NIfTI-1 offsets, and the data laid out with the first axis
    /// (height) fastest.
    func testHeaderAndLayout() throws {
        // 2 slices of 2 × 3: value = 100·s + 10·y + x.
        var v: [UInt8] = []
        for s in 0..<2 { for y in 0..<2 { for x in 0..<3 { v.append(UInt8(100 * s + 10 * y + x)) } } }
        let b = try XCTUnwrap(NiftiEncoder.encode(uint8: v, slices: 2, height: 2, width: 3, pixelMM: 0.5, sliceMM: 3))
        XCTAssertEqual(b.count, 352 + 12)
        XCTAssertEqual(i32(b, 0), 348)
        XCTAssertEqual((0..<8).map { i16(b, 40 + 2 * $0) }, [3, 2, 3, 2, 1, 1, 1, 1])
        XCTAssertEqual(i16(b, 70), 2)          // DT_UINT8
        XCTAssertEqual(i16(b, 72), 8)          // bitpix
        XCTAssertEqual(f32(b, 80), 0.5); XCTAssertEqual(f32(b, 84), 0.5); XCTAssertEqual(f32(b, 88), 3)
        XCTAssertEqual(f32(b, 108), 352)       // vox_offset
        XCTAssertEqual(Array(b[344..<348]), [UInt8(ascii: "n"), UInt8(ascii: "+"), UInt8(ascii: "1"), 0])
        // Element (y, x) of slice s at y + 2·x + 6·s.
        XCTAssertEqual(Array(b[352...]), [0, 10, 1, 11, 2, 12, 100, 110, 101, 111, 102, 112])
        XCTAssertNil(NiftiEncoder.encode(uint8: v, slices: 3, height: 2, width: 3, pixelMM: 1, sliceMM: 1))
    }

    func testCohortWritesNiftiBesideTheLayoutWhenAsked() throws {
        let dir = NSTemporaryDirectory() + "phantom-nifti-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spec = CohortSpec(datasets: [.init(name: "site-a", count: 2)], seed: 3, size: 32, slices: 20...21, nifti: true)
        _ = try Cohort.write(spec, to: dir, threads: 1)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/site-a/nifti").sorted(),
                       ["0000.nii", "0000_acl.nii", "0001.nii", "0001_acl.nii"])
        let c = try Cohort.generate(spec, dataset: spec.datasets[0], index: 1)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(dir)/site-a/nifti/0001.nii")))
        XCTAssertEqual(bytes, NiftiEncoder.encode(uint8: c.volume, slices: c.slices, height: 32, width: 32,
                                                 pixelMM: c.pixelMM, sliceMM: c.sliceSpacingMM))
    }
}
