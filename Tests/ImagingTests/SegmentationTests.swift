import XCTest
import TestSupport
@testable import Imaging

final class SegmentationTests: XCTestCase {
    func testKeepsDarkestClustersInsideMask() throws {
        // Foreground values 10, 10, 50, 50, 200 (+ a background pixel of value 10 outside the mask).
        let image: [UInt8] = [10, 10, 50, 50, 200, 10]
        let mask: [UInt8] = [1, 1, 1, 1, 1, 0]
        let out = try Segmentation.run(image, mask: mask, options: .init(clusters: 3, keepStart: 0, keepEnd: 1))
        XCTAssertEqual(out.labels, [0, 0, 1, 1, 2, 255])
        XCTAssertEqual(out.segmented, [10, 10, 0, 0, 0, 0])
        assertClose(out.keptFraction, 0.4, abs: 1e-12)
        XCTAssertEqual(out.inertia, 0)
        XCTAssertEqual(out.clusters, 3)
        let mid = try Segmentation.run(image, mask: mask, options: .init(clusters: 3, keepStart: 1, keepEnd: 3))
        XCTAssertEqual(mid.segmented, [0, 0, 50, 50, 200, 0])
    }

    func testInertiaOfTwoClusters() throws {
        let out = try Segmentation.run([0, 2, 10, 14], mask: [1, 1, 1, 1], options: .init(clusters: 2, keepStart: 0, keepEnd: 1))
        assertClose(out.inertia, 2 + 8, abs: 1e-9)  // {0,2}: 1+1, {10,14}: 4+4
    }

    func testEmptyForegroundDoesNotCrash() throws {
        let out = try Segmentation.run([1, 2, 3], mask: [0, 0, 0], options: .init())
        XCTAssertEqual(out.keptFraction, 0)
        XCTAssertEqual(out.clusters, 0)
        XCTAssertEqual(out.labels, [255, 255, 255])
    }

    func testInvalidOptions() {
        XCTAssertThrowsError(try Segmentation.run([1], mask: [1], options: .init(clusters: 4, keepStart: 3, keepEnd: 2)))
        XCTAssertThrowsError(try Segmentation.run([1], mask: [1], options: .init(clusters: 0, keepStart: 0, keepEnd: 1)))
        XCTAssertThrowsError(try Segmentation.run([1, 2], mask: [1], options: .init()))
    }
}
