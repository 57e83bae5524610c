import Common
import XCTest
import TestSupport
@testable import Imaging

/// The extrapolation of the fused HALS iteration (`Extrapolation`, `NMFOptions.extrapolate`).
final class NMFExtrapolationTests: XCTestCase {
    /// Full-rank noise: no exact factorisation, a slow tail.
    func noise(m: Int, n: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed)
        return (0..<(m * n)).map { _ in Float(rng.uniform() * 50) }
    }

    func directError(_ v: [Float], _ res: NMFResult) -> Double {
        let m = res.rows, n = res.columns, k = res.components
        var num = 0.0, den = 0.0
        for i in 0..<m { for j in 0..<n {
            var s = 0.0
            for c in 0..<k { s += Double(res.w[i * k + c]) * Double(res.h[c * n + j]) }
            let x = Double(v[i * n + j])
            num += (x - s) * (x - s); den += x * x
        } }
        return (num / den).squareRoot()
    }

    /// The step rule by hand: β grows by γ (capped by β̄, which grows by γ̄ up to 1) while the
    /// objective falls; a rise asks for a restart, divides β by η and caps β̄ at the last good β.
    func testStepRuleKnownSequence() {
        var e = Extrapolation()
        let b0 = Extrapolation.initialBeta
        XCTAssertFalse(e.record(objective: 10))
        assertClose(e.beta, b0 * Extrapolation.gamma, rel: 1e-12)
        XCTAssertFalse(e.record(objective: 9))
        assertClose(e.beta, b0 * Extrapolation.gamma * Extrapolation.gamma, rel: 1e-12)
        let good = e.beta
        XCTAssertFalse(e.record(objective: 8))     // β used for this step: `good`
        XCTAssertTrue(e.record(objective: 8.5))    // rose: restart
        assertClose(e.beta, good * Extrapolation.gamma / Extrapolation.eta, rel: 1e-12)
        assertClose(e.cap, good, rel: 1e-12)
        XCTAssertEqual(e.best, 8)
        XCTAssertFalse(e.record(objective: 8.4))   // below the previous pass (8.5): no restart
        XCTAssertEqual(e.best, 8)
        XCTAssertLessThanOrEqual(e.beta, e.cap)
    }

    /// The reported error (and objective) is that of the returned factors after every iteration
    /// count, also right after a restart (when the last products were of the discarded
    /// extrapolated H) and with penalties; the factors stay non-negative.
    func testReportedErrorIsOfTheReturnedFactorsAtEveryIteration() throws {
        let (m, n) = (15, 120)
        let v = noise(m: m, n: n, seed: 11)
        for alpha in [0.0, 0.01] {
            for t in 1...25 {
                var o = NMFOptions(); o.components = 4; o.tolerance = 0; o.maxIterations = t; o.alpha = alpha; o.l1Ratio = 0.5
                let res = try NMF.factorize(v, rows: m, columns: n, options: o)
                let direct = directError(v, res)
                assertClose(res.relativeError, direct, rel: 1e-4)
                if alpha == 0 {  // the reported objective is ½‖V − WH‖² of the same factors
                    let norm2 = v.reduce(0.0) { $0 + Double($1) * Double($1) }
                    assertClose(res.objective, 0.5 * direct * direct * norm2, rel: 1e-4)
                }
                XCTAssertTrue(res.w.allSatisfy { $0 >= 0 } && res.h.allSatisfy { $0 >= 0 }, "t=\(t)")
            }
        }
    }

    /// What it is for: after the same number of passes over V the extrapolated iteration is
    /// lower than the plain one on a slow tail, and it still recovers an exact low-rank product.
    func testLowerErrorThanPlainAfterTheSamePasses() throws {
        let (m, n) = (20, 400)
        let v = noise(m: m, n: n, seed: 5)
        var o = NMFOptions(); o.components = 6; o.tolerance = 0; o.maxIterations = 60
        let fast = try NMF.factorize(v, rows: m, columns: n, options: o)
        o.extrapolate = false
        let plain = try NMF.factorize(v, rows: m, columns: n, options: o)
        XCTAssertLessThan(fast.relativeError, plain.relativeError)

        var rng = SplitMix64(7)
        let r = 3
        let w0 = (0..<(m * r)).map { _ in Float(rng.uniform()) }
        let h0 = (0..<(r * n)).map { _ in Float(rng.uniform() < 0.3 ? 0 : rng.uniform() * 10) }
        var exact = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { var s: Float = 0; for k in 0..<r { s += w0[i * r + k] * h0[k * n + j] }; exact[i * n + j] = s } }
        var e = NMFOptions(); e.components = r; e.tolerance = 0; e.maxIterations = 2000
        XCTAssertLessThan(try NMF.factorize(exact, rows: m, columns: n, options: e).relativeError, 1e-3)
    }

    /// The sliding check (`slidingCheck`) runs the same improvement test after every
    /// full-resolution iteration: it stops at the first iteration where the last
    /// `checkInterval` iterations gained less than the tolerance, i.e. never later than the test
    /// at multiples of `checkInterval`, and less than one window earlier; the binned stage is
    /// the same either way.
    func testSlidingCheckStopsWithinOneWindowBeforeTheFixedOne() throws {
        let (m, h, w) = (16, 64, 96)
        let v = noise(m: m, n: h * w, seed: 21)
        var stops: [Int] = []
        for tolerance in [1e-4, 3e-5, 1e-5] {
            var o = NMFOptions(); o.components = 5; o.minimumWork = 0; o.tolerance = tolerance
            let sliding = try NMF.factorize(v, rows: m, columns: h * w, options: o, imageShape: (h, w))
            o.slidingCheck = false
            let fixed = try NMF.factorize(v, rows: m, columns: h * w, options: o, imageShape: (h, w))
            XCTAssertTrue(sliding.converged && fixed.converged)
            XCTAssertEqual(sliding.coarseIterations, fixed.coarseIterations)
            XCTAssertLessThanOrEqual(sliding.iterations, fixed.iterations, "tolerance \(tolerance)")
            XCTAssertGreaterThan(sliding.iterations, fixed.iterations - o.checkInterval, "tolerance \(tolerance)")
            XCTAssertEqual(fixed.iterations % o.checkInterval, 0)
            stops.append(sliding.iterations)
        }
        XCTAssertTrue(stops.contains { $0 % 3 != 0 }, "no stop between multiples of checkInterval: \(stops)")
    }

    /// Same bits with one and two threads and from run to run, with the coarse start.
    func testDeterministicWithExtrapolation() throws {
        let (m, h, w) = (16, 64, 96)
        let v = noise(m: m, n: h * w, seed: 9)
        var o = NMFOptions(); o.components = 5; o.maxIterations = 40
        XCTAssertTrue(o.extrapolate)
        BLAS.setThreads(1)
        let a = try NMF.factorize(v, rows: m, columns: h * w, options: o, imageShape: (h, w))
        let b = try NMF.factorize(v, rows: m, columns: h * w, options: o, imageShape: (h, w))
        BLAS.setThreads(2)
        let c = try NMF.factorize(v, rows: m, columns: h * w, options: o, imageShape: (h, w))
        BLAS.setThreads(1)
        XCTAssertTrue(a.w == b.w && a.h == b.h, "two runs differ")
        XCTAssertTrue(a.w == c.w && a.h == c.h, "one and two threads differ")
        XCTAssertGreaterThan(a.coarseIterations, 0)
    }
}
