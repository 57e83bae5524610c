import XCTest
import TestSupport
@testable import Evaluation

/// Published numbers: pROC's test suite on its `aSAH` data (tests/testthat/test-var.R,
/// test-roc.test.R; the same figures appear in pROC's documentation, e.g. `roc.test(roc1, roc2)`
/// printing "Z = 2.209, p-value = 0.02718" and `roc(outcome, s100b)` "AUC 0.7314, 95% CI
/// 0.6301–0.8326 (DeLong)"). pROC computes DeLong with the same midrank method (Sun & Xu 2014).
final class ASAHTests: XCTestCase {
    func testDataShape() {
        XCTAssertEqual(ASAH.poor.count, 113)
        XCTAssertEqual(ASAH.poor.filter { $0 }.count, 41)
    }

    func testAUCsAndDeLongVariances() throws {
        let wfns = try DeLong.estimate(scores: ASAH.wfns, labels: ASAH.poor)
        let ndka = try DeLong.estimate(scores: ASAH.ndka, labels: ASAH.poor)
        let s100b = try DeLong.estimate(scores: ASAH.s100b, labels: ASAH.poor)
        assertClose(wfns.auc, 0.823678861788618, rel: 1e-12)
        assertClose(ndka.auc, 0.611957994579946, rel: 1e-12)
        assertClose(s100b.auc, 0.731368563685637, rel: 1e-12)
        assertClose(wfns.variance, 0.00146991470882363, rel: 1e-10)
        assertClose(ndka.variance, 0.0031908105493913, rel: 1e-10)
        assertClose(s100b.variance, 0.00266868245717244, rel: 1e-10)
        // pROC prints the s100b interval as 0.6301–0.8326 and ndka as 0.5012–0.7227.
        assertClose(s100b.lower, 0.6301, abs: 5e-5)
        assertClose(s100b.upper, 0.8326, abs: 5e-5)
        assertClose(ndka.lower, 0.5012, abs: 5e-5)
        assertClose(ndka.upper, 0.7227, abs: 5e-5)
    }

    func testPairedDeLongAgainstPROC() throws {
        let t1 = try DeLong.pairedTest(scores1: ASAH.wfns, scores2: ASAH.s100b, labels: ASAH.poor)
        assertClose(t1.z ?? 0, 2.20898359144091, rel: 1e-10)
        assertClose(t1.p ?? 0, 0.0271757822291882, rel: 1e-9)
        assertClose(t1.lower, 0.0104061769564846, rel: 1e-9)
        assertClose(t1.upper, 0.174214419249478, rel: 1e-9)
        let t2 = try DeLong.pairedTest(scores1: ASAH.wfns, scores2: ASAH.ndka, labels: ASAH.poor)
        assertClose(t2.z ?? 0, 2.79777591868904, rel: 1e-10)
        assertClose(t2.p ?? 0, 0.00514557970691098, rel: 1e-9)
        assertClose(t2.lower, 0.0634011709339876, rel: 1e-9)
        assertClose(t2.upper, 0.3600405634833566, rel: 1e-9)
        let t3 = try DeLong.pairedTest(scores1: ASAH.ndka, scores2: ASAH.s100b, labels: ASAH.poor)
        assertClose(t3.z ?? 0, -1.39077002573558, rel: 1e-10)
    }
}
