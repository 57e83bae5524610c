import XCTest
@testable import Imaging

final class NegativeSamplesTests: XCTestCase {
    func volume() throws -> Volume { try Volume(slices: 1, height: 2, width: 2, data: [-2, 0, 3, -0.5]) }

    func testClipSetsNegativesToZeroAndReportsTheFraction() throws {
        var v = try volume()
        let r = try NegativeSamplePolicy.clip.apply(to: &v)
        XCTAssertEqual(v.data, [0, 0, 3, 0])
        XCTAssertEqual(r, .init(policy: .clip, negativeFraction: 0.5, minimum: -2))
    }

    func testShiftAddsMinusTheMinimum() throws {
        var v = try volume()
        let r = try NegativeSamplePolicy.shift.apply(to: &v)
        XCTAssertEqual(v.data, [0, 2, 5, 1.5])
        XCTAssertEqual(r.negativeFraction, 0.5)
    }

    func testRefuseThrowsAndLeavesNonNegativeVolumesAlone() throws {
        var v = try volume()
        XCTAssertThrowsError(try NegativeSamplePolicy.refuse.apply(to: &v)) { error in
            XCTAssertEqual((error as? ImagingError)?.code, .value)
            XCTAssertTrue("\(error)".contains("2 negative samples"), "\(error)")
        }
        var clean = try Volume(slices: 1, height: 1, width: 2, data: [0, 4])
        for policy in NegativeSamplePolicy.allCases {
            XCTAssertEqual(try policy.apply(to: &clean), .init(policy: policy, negativeFraction: 0, minimum: 0))
            XCTAssertEqual(clean.data, [0, 4])
        }
    }
}
