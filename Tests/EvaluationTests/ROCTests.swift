import Common
import XCTest
import TestSupport
@testable import Evaluation

final class ROCTests: XCTestCase {
    // Case A: positives {0.9, 0.8, 0.6}, negatives {0.7, 0.5, 0.4}, no ties.
    // Mann–Whitney by hand: 0.9 beats 3, 0.8 beats 3, 0.6 beats 2 (0.5, 0.4) → 8 of 9 pairs.
    let scoresA = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4]
    let labelsA = [true, true, false, true, false, false]

    // Case B: positives {0.8, 0.5, 0.5}, negatives {0.5, 0.3}, ties across classes.
    // ψ: 0.8 → 1 + 1 = 2; each 0.5 → ½ (vs 0.5) + 1 (vs 0.3) = 1.5; sum 5 of 6 pairs → 5/6.
    let scoresB = [0.5, 0.8, 0.3, 0.5, 0.5]
    let labelsB = [true, true, false, false, true]

    func testAUCEqualsHandComputedMannWhitney() throws {
        assertClose(try ROC.auc(scores: scoresA, labels: labelsA), 8.0 / 9.0, abs: 1e-15)
        assertClose(try ROC.auc(scores: scoresB, labels: labelsB), 5.0 / 6.0, abs: 1e-15)
    }

    func testAUCOfPerfectInvertedConstantScores() throws {
        let labels = [false, false, true, true, true]
        assertClose(try ROC.auc(scores: [0.1, 0.2, 0.3, 0.4, 0.5], labels: labels), 1, abs: 1e-15)
        assertClose(try ROC.auc(scores: [0.5, 0.4, 0.3, 0.2, 0.1], labels: labels), 0, abs: 1e-15)
        assertClose(try ROC.auc(scores: [0.7, 0.7, 0.7, 0.7, 0.7], labels: labels), 0.5, abs: 1e-15)
    }

    func testCurvePointsWithTiesHandCase() throws {
        // Distinct scores descending: 0.8 (1 pos), 0.5 (2 pos + 1 neg, one diagonal step), 0.3 (1 neg).
        let pts = try ROC.curve(scores: scoresB, labels: labelsB)
        XCTAssertEqual(pts.map(\.threshold), [nil, 0.8, 0.5, 0.3])
        assertAllClose(pts.map(\.falsePositiveRate), [0, 0, 0.5, 1], abs: 1e-15)
        assertAllClose(pts.map(\.truePositiveRate), [0, 1.0 / 3.0, 1, 1], abs: 1e-15)
        // Trapezoid area under the points equals the Mann–Whitney AUC.
        var area = 0.0
        for k in 1..<pts.count {
            area += (pts[k].falsePositiveRate - pts[k - 1].falsePositiveRate)
                * (pts[k].truePositiveRate + pts[k - 1].truePositiveRate) / 2
        }
        assertClose(area, 5.0 / 6.0, abs: 1e-15)
    }

    func testCurveDoesNotDependOnInputOrder() throws {
        var rng = SplitMix64(seed: 7)
        let s = (0..<40).map { _ in Double(Int.random(in: 0..<8, using: &rng)) / 8 }
        let l = (0..<40).map { _ in Bool.random(using: &rng) }
        let perm = Array(s.indices).shuffled(using: &rng)
        XCTAssertEqual(try ROC.curve(scores: s, labels: l),
                       try ROC.curve(scores: perm.map { s[$0] }, labels: perm.map { l[$0] }))
        XCTAssertEqual(try ROC.auc(scores: s, labels: l),
                       try ROC.auc(scores: perm.map { s[$0] }, labels: perm.map { l[$0] }))
    }

    func testYoudenHandCaseWithTieBreak() throws {
        // J by threshold (m = n = 3): 0.9 → 1/3, 0.8 → 2/3, 0.7 → 1/3, 0.6 → 2/3, 0.5 → 1/3, 0.4 → 0.
        // Maximum 2/3 is tied between 0.8 and 0.6; the rule takes the higher threshold, 0.8.
        let op = try ROC.youden(scores: scoresA, labels: labelsA)
        XCTAssertEqual(op.threshold, 0.8)
        XCTAssertEqual(op.confusion, Confusion(truePositives: 2, falsePositives: 0, trueNegatives: 3, falseNegatives: 1))
        assertClose(op.sensitivity, 2.0 / 3.0, abs: 1e-15)
        assertClose(op.specificity, 1, abs: 1e-15)
        assertClose(op.youden, 2.0 / 3.0, abs: 1e-15)
    }

    func testConfusionAtHalf() throws {
        // ≥ 0.5 called positive: 0.9 P, 0.8 P, 0.7 N, 0.6 P, 0.5 N → TP 3, FP 2; 0.4 N → TN 1.
        let op = try ROC.operatingPoint(scores: scoresA, labels: labelsA, threshold: 0.5)
        XCTAssertEqual(op.confusion, Confusion(truePositives: 3, falsePositives: 2, trueNegatives: 1, falseNegatives: 0))
        assertClose(op.sensitivity, 1, abs: 1e-15)
        assertClose(op.specificity, 1.0 / 3.0, abs: 1e-15)
    }

    func testBadInputThrowsTypedErrors() {
        XCTAssertThrowsError(try ROC.auc(scores: [0.1, 0.2], labels: [true])) {
            XCTAssertEqual(($0 as? EvaluationError)?.code, .lengthMismatch)
        }
        XCTAssertThrowsError(try ROC.auc(scores: [0.1, .nan], labels: [true, false])) {
            XCTAssertEqual(($0 as? EvaluationError)?.code, .nonFiniteScore)
        }
        XCTAssertThrowsError(try ROC.curve(scores: [0.1, 0.2], labels: [true, true])) {
            XCTAssertEqual(($0 as? EvaluationError)?.code, .oneClass)
        }
        XCTAssertThrowsError(try DeLong.estimate(scores: [0.1, 0.2, 0.3], labels: [true, false, false])) {
            XCTAssertEqual(($0 as? EvaluationError)?.code, .tooFewCases)
        }
    }

    func testMidranks() {
        XCTAssertEqual(Ranks.midranks([3, 1, 3, 2, 3]), [4, 1, 4, 2, 4])
        XCTAssertEqual(Ranks.midranks([]), [])
    }
}
