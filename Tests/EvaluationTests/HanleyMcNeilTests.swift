import XCTest
import TestSupport
@testable import Evaluation

/// Published worked example: Hanley & McNeil (1982), "The meaning and use of the area under a
/// receiver operating characteristic (ROC) curve", Radiology 143:29–36, Table 1: CT images of
/// 109 patients rated on a 5-point scale (1 definitely normal … 5 definitely abnormal).
/// Truly normal (58): 33, 6, 6, 11, 2; truly abnormal (51): 3, 2, 2, 11, 33.
/// The paper reports the area as 0.893 and its standard error (their approximation) as 0.032.
final class HanleyMcNeilTests: XCTestCase {
    static let normalCounts = [33, 6, 6, 11, 2]
    static let abnormalCounts = [3, 2, 2, 11, 33]

    static func data() -> (scores: [Double], labels: [Bool]) {
        var scores: [Double] = [], labels: [Bool] = []
        for (rating, n) in normalCounts.enumerated() { for _ in 0..<n { scores.append(Double(rating + 1)); labels.append(false) } }
        for (rating, n) in abnormalCounts.enumerated() { for _ in 0..<n { scores.append(Double(rating + 1)); labels.append(true) } }
        return (scores, labels)
    }

    func testAreaMatchesThePaper() throws {
        let (s, l) = Self.data()
        // Exact Mann–Whitney with ties ½: (Σ_{i>j} a_i n_j + ½ Σ a_i n_i) / (51·58) = 2642 / 2958.
        let auc = try ROC.auc(scores: s, labels: l)
        assertClose(auc, 2642.0 / 2958.0, abs: 1e-12)
        XCTAssertEqual((auc * 1000).rounded() / 1000, 0.893)
    }

    /// DeLong's variance on these data is 9.43989e-4 (SE 0.03072), from the O(m·n) definition of
    /// the structural components evaluated independently in numpy; the paper's own approximation
    /// gives SE 0.032 — the two agree within 0.002.
    func testDeLongStandardErrorAgreesWithThePaper() throws {
        let (s, l) = Self.data()
        let e = try DeLong.estimate(scores: s, labels: l)
        assertClose(e.variance, 0.0009439892702629848, rel: 1e-9)
        XCTAssertLessThan(abs(e.variance.squareRoot() - 0.032), 0.002)
        // Hanley & McNeil's own formula with A = 0.893 reproduces their 0.032.
        let a = e.auc, q1 = a / (2 - a), q2 = 2 * a * a / (1 + a)
        let hm = ((a * (1 - a) + 50 * (q1 - a * a) + 57 * (q2 - a * a)) / (51 * 58)).squareRoot()
        XCTAssertEqual((hm * 1000).rounded() / 1000, 0.032)
    }
}
