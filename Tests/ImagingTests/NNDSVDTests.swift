import Common
import XCTest
import TestSupport
@testable import Imaging

final class NNDSVDTests: XCTestCase {
    func matrix(_ m: Int, _ n: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed)
        return (0..<(m * n)).map { _ in Float(rng.uniform() * 100) }
    }

    func testDeterministic() {
        let v = matrix(9, 70, seed: 1)
        let a = v.withUnsafeBufferPointer { NNDSVD.initialize($0, m: 9, n: 70, k: 4, fillMean: false) }
        let b = v.withUnsafeBufferPointer { NNDSVD.initialize($0, m: 9, n: 70, k: 4, fillMean: false) }
        XCTAssertEqual(a.w, b.w); XCTAssertEqual(a.h, b.h)
        XCTAssertTrue(a.w.allSatisfy { $0 >= 0 } && a.h.allSatisfy { $0 >= 0 })
    }

    func testRankOneIsReproducedExactly() {
        // V = u vᵀ with positive u, v: the first NNDSVD pair is √σ₀|u₀|, √σ₀|v₀| → W·H = V.
        let u: [Float] = [1, 2, 3, 4, 5], vv: [Float] = [2, 1, 0.5, 3, 4, 1, 2]
        var v = [Float](repeating: 0, count: 35)
        for i in 0..<5 { for j in 0..<7 { v[i * 7 + j] = u[i] * vv[j] } }
        let (w, h) = v.withUnsafeBufferPointer { NNDSVD.initialize($0, m: 5, n: 7, k: 1, fillMean: false) }
        for i in 0..<5 { for j in 0..<7 { assertClose(w[i] * h[j], v[i * 7 + j], rel: 1e-4) } }
    }

    func testMeanFillReplacesZeros() {
        let v = matrix(6, 40, seed: 4)
        let plain = v.withUnsafeBufferPointer { NNDSVD.initialize($0, m: 6, n: 40, k: 3, fillMean: false) }
        let filled = v.withUnsafeBufferPointer { NNDSVD.initialize($0, m: 6, n: 40, k: 3, fillMean: true) }
        let mean = Float(v.reduce(0.0) { $0 + Double($1) } / Double(v.count))
        XCTAssertTrue(plain.h.contains(0), "NNDSVD of a full-rank random matrix has zero entries")
        for (p, f) in zip(plain.h, filled.h) { if p == 0 { assertClose(f, mean, rel: 1e-6) } else { XCTAssertEqual(p, f) } }
        for (p, f) in zip(plain.w, filled.w) { if p == 0 { assertClose(f, mean, rel: 1e-6) } else { XCTAssertEqual(p, f) } }
    }

    func testLeadingSingularValuesMatchGram() {
        // Singular values of diag-like matrix: rows scaled orthogonal patterns.
        var v = [Float](repeating: 0, count: 3 * 6)
        v[0 * 6 + 0] = 3; v[1 * 6 + 1] = 5; v[2 * 6 + 2] = 1  // σ = 5, 3, 1
        let (sigma, _, _) = v.withUnsafeBufferPointer { NNDSVD.leadingSVD($0, m: 3, n: 6, k: 3) }
        assertClose(sigma[0], 5, rel: 1e-6); assertClose(sigma[1], 3, rel: 1e-6); assertClose(sigma[2], 1, rel: 1e-6)
        // Tall case (m > n) uses VᵀV.
        let t: [Float] = [3, 0, 0, 5, 0, 0]  // 3×2
        let (st, _, _) = t.withUnsafeBufferPointer { NNDSVD.leadingSVD($0, m: 3, n: 2, k: 2) }
        assertClose(st[0], 5, rel: 1e-6); assertClose(st[1], 3, rel: 1e-6)
    }
}
