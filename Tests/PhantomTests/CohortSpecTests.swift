import XCTest
@testable import Phantom

final class CohortSpecTests: XCTestCase {
    func testParseDatasets() throws {
        let d = try CohortSpec.parseDatasets("train:300,site-a:150,site-b:150")
        XCTAssertEqual(d, [.init(name: "train", count: 300), .init(name: "site-a", count: 150), .init(name: "site-b", count: 150)])
    }

    func testParseDatasetsRejectsBadInput() {
        for bad in ["", "train", "train:", "train:0", "train:-3", "train:x", "a:1,a:2", "../x:3", ".hidden:2", "a b:1", "train:1:2"] {
            XCTAssertThrowsError(try CohortSpec.parseDatasets(bad), bad) { error in
                XCTAssertEqual((error as? PhantomError)?.code, .argument, bad)
            }
        }
    }

    func testValidateRejectsBadSizesRangesAndFractions() {
        let d = [CohortSpec.Dataset(name: "train", count: 3)]
        XCTAssertNoThrow(try CohortSpec(datasets: d, seed: 1).validate())
        XCTAssertThrowsError(try CohortSpec(datasets: d, seed: 1, size: 8).validate())
        XCTAssertThrowsError(try CohortSpec(datasets: d, seed: 1, slices: 0...4).validate())
        XCTAssertThrowsError(try CohortSpec(datasets: d, seed: 1, tearFraction: 1.5).validate())
        XCTAssertThrowsError(try CohortSpec(datasets: d, seed: 1, tearFraction: .nan).validate())
        XCTAssertThrowsError(try CohortSpec(datasets: [], seed: 1).validate())
        XCTAssertThrowsError(try CohortSpec(datasets: d, seed: 1, size: 4096, slices: 20...40).validate())  // 671M voxels
        XCTAssertNoThrow(try CohortSpec(datasets: d, seed: 1, size: 2048, slices: 20...40).validate())       // 168M voxels
    }

    func testCaseIDsArePaddedLikeMRNet() {
        XCTAssertEqual(CohortSpec.caseID(0, count: 300), "0000")
        XCTAssertEqual(CohortSpec.caseID(42, count: 300), "0042")
        XCTAssertEqual(CohortSpec.caseID(1129, count: 1130), "1129")
        XCTAssertEqual(CohortSpec.caseID(7, count: 20_000), "00007")
    }

    func testLabelsHaveExactTearCountAndAreSeeded() {
        let d = CohortSpec.Dataset(name: "train", count: 301)
        let spec = CohortSpec(datasets: [d], seed: 7, tearFraction: 0.25)
        let l = spec.labels(for: d)
        XCTAssertEqual(l.count, 301)
        XCTAssertEqual(l.filter { $0 }.count, 75)                      // round(0.25 · 301) = 75
        XCTAssertEqual(l, spec.labels(for: d))                         // deterministic
        var other = spec; other.seed = 8
        XCTAssertNotEqual(l, other.labels(for: d))                     // seeded
        // Spread over the dataset, not a block at the start: both halves hold tears.
        XCTAssertGreaterThan(l[..<150].filter { $0 }.count, 20)
        XCTAssertGreaterThan(l[150...].filter { $0 }.count, 20)
        XCTAssertEqual(CohortSpec(datasets: [d], seed: 7, tearFraction: 0).labels(for: d).filter { $0 }.count, 0)
        XCTAssertEqual(CohortSpec(datasets: [d], seed: 7, tearFraction: 1).labels(for: d).filter { $0 }.count, 301)
    }

    func testPresetsDifferAndUnknownNamesAreStable() {
        XCTAssertEqual(DatasetTechnique.preset(for: "train"), .train)
        XCTAssertNotEqual(DatasetTechnique.train, .siteA)
        XCTAssertNotEqual(DatasetTechnique.siteA, .siteB)
        let x = DatasetTechnique.preset(for: "hospital-x")
        XCTAssertEqual(x, DatasetTechnique.preset(for: "hospital-x"))
        XCTAssertNotEqual(x, DatasetTechnique.preset(for: "hospital-y"))
        XCTAssert((2.5...4.0).contains(x.sliceSpacingMM))
        XCTAssertGreaterThanOrEqual(x.sliceThicknessMM, x.sliceSpacingMM)
    }
}
