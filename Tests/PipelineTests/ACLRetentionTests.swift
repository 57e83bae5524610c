import XCTest
import Imaging
@testable import Pipeline

final class ACLRetentionTests: XCTestCase {
    /// Hand case: the ACL covers 4 pixels of a 3×3 plane (over two slices); base image 0 keeps
    /// one of them, base image 1 keeps two others and one background pixel → 3/4.
    func testRetentionHandCase() throws {
        var mask = Volume(zeros: 2, 3, 3)
        mask[0, 0, 0] = 1; mask[0, 0, 1] = 1; mask[1, 1, 1] = 1; mask[1, 2, 2] = 1
        var seg = Volume(zeros: 2, 3, 3)
        seg[0, 0, 0] = 10
        seg[1, 0, 1] = 5; seg[1, 1, 1] = 7; seg[1, 2, 0] = 9
        XCTAssertEqual(ACLRetention.retention(mask: mask, segmented: seg), 0.75)
        XCTAssertNil(ACLRetention.retention(mask: Volume(zeros: 2, 3, 3), segmented: seg))
    }

    func testMaskPathFollowsTheCohortLayout() throws {
        let root = NSTemporaryDirectory() + "kf-acl-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/site-a/acl_mask", withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: root + "/site-a/acl_mask/0001.npy", contents: Data()))
        XCTAssertEqual(ACLRetention.maskPath(forInput: root + "/site-a/sagittal/0001.npy"), root + "/site-a/acl_mask/0001.npy")
        XCTAssertNil(ACLRetention.maskPath(forInput: root + "/site-a/sagittal/0002.npy"))
        try? FileManager.default.removeItem(atPath: root)
    }
}
