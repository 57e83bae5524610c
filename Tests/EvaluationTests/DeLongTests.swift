import Common
import XCTest
import TestSupport
@testable import Evaluation

final class DeLongTests: XCTestCase {
    // Cases p1, p2, p3 (positive), n1, n2 (negative).
    let labels = [true, true, true, false, false]
    let s1 = [0.8, 0.5, 0.5, 0.5, 0.3]
    let s2 = [0.9, 0.2, 0.35, 0.4, 0.1]

    func testComponentsAndVarianceHandCase() throws {
        // V10 = (1, ¾, ¾), V01 = (⅔, 1); S10 = 1/48, S01 = 1/18; var = S10/3 + S01/2 = 5/144.
        let c = try DeLong.components(scores: s1, labels: labels)
        assertAllClose(c.v10, [1, 0.75, 0.75], abs: 1e-15)
        assertAllClose(c.v01, [2.0 / 3.0, 1], abs: 1e-15)
        let e = try DeLong.estimate(scores: s1, labels: labels)
        assertClose(e.auc, 5.0 / 6.0, abs: 1e-15)
        assertClose(e.variance, 5.0 / 144.0, abs: 1e-15)
        assertClose(e.lower, 5.0 / 6.0 - 1.959963984540054 * (5.0 / 144.0).squareRoot(), abs: 1e-12)
        XCTAssertEqual(e.upper, 1)  // 0.833 + 0.365 clipped
        XCTAssertLessThan(e.logitUpper ?? 2, 1)
    }

    func testPairedHandCase() throws {
        // Second marker: V10 = (1, ½, ½), V01 = (⅓, 1): AUC2 = ⅔, var2 = 1/36 + 1/9 = 5/36.
        // cov = (1/24)/3 + (1/9)/2 = 5/72; var(diff) = 5/144 + 20/144 − 20/144 = 5/144.
        // z = (1/6) / (√5/12) = 2/√5; p = erfc(z/√2) = 0.37109336952269756 (scipy.special.erfc).
        let t = try DeLong.pairedTest(scores1: s1, scores2: s2, labels: labels)
        assertClose(t.auc2, 2.0 / 3.0, abs: 1e-15)
        assertClose(t.variance2, 5.0 / 36.0, abs: 1e-15)
        assertClose(t.covariance, 5.0 / 72.0, abs: 1e-15)
        assertClose(t.standardError, 5.0.squareRoot() / 12, abs: 1e-14)
        assertClose(t.z ?? 0, 2 / 5.0.squareRoot(), abs: 1e-13)
        assertClose(t.p ?? 0, 0.37109336952269756, abs: 1e-13)
    }

    func testIdenticalCurvesGiveZeroAndPOne() throws {
        let t = try DeLong.pairedTest(scores1: s1, scores2: s1, labels: labels)
        XCTAssertEqual(t.z, 0)
        XCTAssertEqual(t.p, 1)
    }

    func testMidrankAlgorithmAgreesWithBruteForceOnRandomCases() throws {
        var rng = SplitMix64(seed: 2014)
        for trial in 0..<30 {
            let n = Int.random(in: 6...80, using: &rng)
            // Every other trial uses coarse scores so that ties (within and across classes) occur.
            let levels = trial % 2 == 0 ? 5 : 1_000_000
            var labels = (0..<n).map { _ in Bool.random(using: &rng) }
            labels[0] = true; labels[1] = true; labels[2] = false; labels[3] = false
            let a = labels.map { l in Double(Int.random(in: 0..<levels, using: &rng) + (l ? levels / 3 : 0)) / Double(levels) }
            let b = zip(a, labels).map { x, l in
                (x + Double(Int.random(in: 0..<levels, using: &rng)) / Double(levels) + (l ? 0.2 : 0) * Double(trial % 3)) }
            let fast = try DeLong.components(scores: a, labels: labels)
            let slow = BruteForce.components(a, labels)
            assertAllClose(fast.v10, slow.v10, abs: 1e-12, "trial \(trial)")
            assertAllClose(fast.v01, slow.v01, abs: 1e-12, "trial \(trial)")
            assertClose(try ROC.auc(scores: a, labels: labels), BruteForce.auc(a, labels), abs: 1e-12)
            let t = try DeLong.pairedTest(scores1: a, scores2: b, labels: labels)
            let (v1, v2, c) = BruteForce.covariance(a, b, labels)
            assertClose(t.variance1, v1, abs: 1e-12, "trial \(trial)")
            assertClose(t.variance2, v2, abs: 1e-12, "trial \(trial)")
            assertClose(t.covariance, c, abs: 1e-12, "trial \(trial)")
        }
    }
}
