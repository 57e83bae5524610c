import XCTest
import Foundation
import Imaging
@testable import Phantom

/// Every file of a written cohort (npy and NIfTI, volume and mask) loads through the project's
/// own reader with the generator's shape and values.
final class ReaderRoundTripTests: XCTestCase {
    func testCohortFilesLoadThroughVolumeReader() throws {
        let dir = NSTemporaryDirectory() + "phantom-reader-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spec = CohortSpec(datasets: [.init(name: "train", count: 3), .init(name: "site-b", count: 2)],
                              seed: 5, size: 32, slices: 20...22, nifti: true)
        _ = try Cohort.write(spec, to: dir, threads: 2)
        for d in spec.datasets {
            for i in 0..<d.count {
                let id = CohortSpec.caseID(i, count: d.count)
                let c = try Cohort.generate(spec, dataset: d, index: i)
                for (sub, expected) in [("sagittal", c.volume), ("acl_mask", c.aclMask)] {
                    let r = try VolumeReader.read(path: "\(dir)/\(d.name)/\(sub)/\(id).npy")
                    XCTAssertEqual(r.format, .npy)
                    XCTAssertEqual(r.sourceDType, "uint8")
                    XCTAssertEqual([r.volume.slices, r.volume.height, r.volume.width], c.shape)
                    XCTAssertEqual(r.volume.data, expected.map { Float($0) }, "\(d.name)/\(sub)/\(id)")
                }
                // The NIfTI copies read back (slices along the third axis) as the same arrays.
                for (name, expected) in [(id, c.volume), ("\(id)_acl", c.aclMask)] {
                    let r = try VolumeReader.read(path: "\(dir)/\(d.name)/nifti/\(name).nii")
                    XCTAssertEqual(r.format, .nifti)
                    XCTAssertEqual([r.volume.slices, r.volume.height, r.volume.width], c.shape)
                    XCTAssertEqual(r.volume.data, expected.map { Float($0) }, "\(d.name)/nifti/\(name)")
                }
            }
        }
    }
}
