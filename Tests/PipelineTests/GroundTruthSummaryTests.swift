import XCTest
import Foundation
@testable import Pipeline

/// The per-dataset aggregation on a hand-made set of four cases, and the cohort's file checks.
final class GroundTruthSummaryTests: XCTestCase {
    func measures(covered: Int, pixels: Int, air: Double, kept: Double, raw: Double, segRatio: Double) -> CaseMeasures {
        CaseMeasures(kStar: 0, aclVoxels: pixels, aclPixels: pixels, coveredPixels: covered,
                     coverage: Double(covered) / Double(pixels), air: air, foregroundFraction: 0.5, kept: kept,
                     scores: OracleScores(raw: raw, base: 1, segKept: -kept, segRatio: segRatio))
    }

    /// Torn: cases 0, 1; intact: 2, 3.
    /// coverage 1, 0.5, 0.9, 0.8 → mean 0.8, min 0.5, p5 = 0.5 + 0.15·(0.8 − 0.5) = 0.545; pooled 42/50.
    /// raw: torn 3, 1 vs intact 2, 0 → 3 of 4 pairs → AUC 0.75. kept torn 0.1, 0.3 / intact 0.9, 0.7
    /// → means 0.2 / 0.8, −kept separates fully → 1. base all equal → 0.5. segRatio torn 0, 0 vs 1, 2 → 0.
    func testHandMadeDataset() throws {
        let cases: [(torn: Bool, measures: CaseMeasures)] = [
            (true, measures(covered: 20, pixels: 20, air: 0.01, kept: 0.1, raw: 3, segRatio: 0)),
            (true, measures(covered: 5, pixels: 10, air: 0.03, kept: 0.3, raw: 1, segRatio: 0)),
            (false, measures(covered: 9, pixels: 10, air: 0.00, kept: 0.9, raw: 2, segRatio: 1)),
            (false, measures(covered: 8, pixels: 10, air: 0.02, kept: 0.7, raw: 0, segRatio: 2)),
        ]
        let s = try GroundTruthSummary.summarize(dataset: "d", cases: cases)
        XCTAssertEqual(s.cases, 4)
        XCTAssertEqual(s.tears, 2)
        XCTAssertEqual(s.coverage.mean, 0.8, accuracy: 1e-12)
        XCTAssertEqual(s.coverage.min, 0.5, accuracy: 1e-12)
        XCTAssertEqual(s.coverage.max, 1.0, accuracy: 1e-12)
        XCTAssertEqual(s.coverage.p5, 0.545, accuracy: 1e-12)
        XCTAssertEqual(s.pooledCoverage, 42.0 / 50.0, accuracy: 1e-12)
        XCTAssertEqual(s.air.mean, 0.015, accuracy: 1e-12)
        XCTAssertEqual(s.air.max, 0.03, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(s.keptIntact), 0.8, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(s.keptTorn), 0.2, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(s.auc.raw), 0.75, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(s.auc.segKept), 1, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(s.auc.base), 0.5, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(s.auc.segRatio), 0, accuracy: 1e-12)
        // The order of the cases does not matter.
        XCTAssertEqual(try GroundTruthSummary.summarize(dataset: "d", cases: cases.reversed()), s)
    }

    func testOneClassHasNoAUCAndEncodesNulls() throws {
        let s = try GroundTruthSummary.summarize(dataset: "d", cases: [(false, measures(covered: 1, pixels: 2, air: 0, kept: 1, raw: 1, segRatio: 1))])
        XCTAssertNil(s.auc.raw); XCTAssertNil(s.auc.segKept); XCTAssertNil(s.keptTorn)
        XCTAssertEqual(s.coverage.p5, 0.5)
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(s)) as! [String: Any]
        XCTAssertTrue(json["kept_torn"] is NSNull)
        XCTAssertTrue((json["auc"] as! [String: Any])["seg_kept"] is NSNull)
        XCTAssertThrowsError(try GroundTruthSummary.summarize(dataset: "d", cases: []))
    }

    func testPercentileInterpolates() {
        XCTAssertEqual(GroundTruthSummary.percentile(sorted: [0, 10], 0.05), 0.5, accuracy: 1e-12)
        XCTAssertEqual(GroundTruthSummary.percentile(sorted: [1, 2, 3, 4, 5], 0.5), 3, accuracy: 1e-12)
        XCTAssertEqual(GroundTruthSummary.percentile(sorted: [1, 2, 3, 4, 5], 1), 5, accuracy: 1e-12)
    }

    /// The cohort layout: datasets found from `<ds>-acl.csv`; a missing body mask is an input error
    /// naming the file.
    func testMissingGroundTruthNamesTheFile() throws {
        let root = NSTemporaryDirectory() + "kf-gt-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let fm = FileManager.default
        for sub in ["sagittal", "acl_mask", "body_mask"] { try fm.createDirectory(atPath: root + "/a/" + sub, withIntermediateDirectories: true) }
        XCTAssertTrue(fm.createFile(atPath: root + "/a-acl.csv", contents: Data("0000,1\n0001,0\n".utf8)))
        for c in ["0000", "0001"] {
            XCTAssertTrue(fm.createFile(atPath: "\(root)/a/sagittal/\(c).npy", contents: Data()))
            XCTAssertTrue(fm.createFile(atPath: "\(root)/a/acl_mask/\(c).npy", contents: Data()))
        }
        XCTAssertTrue(fm.createFile(atPath: root + "/a/body_mask/0000.npy", contents: Data()))
        XCTAssertEqual(try GroundTruthCohort.datasets(cohort: root), ["a"])
        let first = try GroundTruthCohort.cases(cohort: root, dataset: "a", limit: 1)
        XCTAssertEqual(first.map(\.caseId), ["0000"])
        XCTAssertEqual(first.first?.torn, true)
        XCTAssertThrowsError(try GroundTruthCohort.cases(cohort: root, dataset: "a")) { e in
            XCTAssertEqual((e as? PipelineError)?.code, .input)
            XCTAssertTrue("\(e)".contains(root + "/a/body_mask/0001.npy"), "\(e)")
        }
        XCTAssertThrowsError(try GroundTruthCohort.cases(cohort: root, dataset: "b")) { e in
            XCTAssertTrue("\(e)".contains(root + "/b-acl.csv"), "\(e)")
        }
    }

    func testParallelMapKeepsOrderAndFirstError() throws {
        XCTAssertEqual(try GroundTruthCohort.parallelMap(50, threads: 3) { $0 * $0 }, (0..<50).map { $0 * $0 })
        XCTAssertThrowsError(try GroundTruthCohort.parallelMap(10, threads: 3) { i -> Int in
            if i >= 4 { throw PipelineError(.input, "case \(i)") }
            return i
        }) { e in XCTAssertTrue("\(e)".contains("case 4"), "\(e)") }
    }
}
