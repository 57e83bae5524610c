import XCTest
@testable import Classifier

/// Central finite differences of the scalar L = Σ rᵢ·yᵢ (accumulated in Double) against the
/// analytic backward pass. Float32 forward passes round each output to ~6e-8 relative, so with
/// step h the difference quotient carries an error of about 6e-8·Σ|rᵢyᵢ|/(2h); with h = 1e-2 and
/// the ~10³ outputs used here that is < 1e-3 absolute. Layers that are piecewise linear have no
/// truncation error as long as no kink lies within ±h (inputs are chosen so); batch norm's
/// truncation error is O(h²·|L'''|) ≈ 1e-4. Hence the tolerance abs 3e-3 + rel 1e-2.
struct GradientCheck {
    var h: Float = 1e-2
    var absTol: Double = 3e-3
    var relTol: Double = 1e-2

    static func weights(count: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in Float(rng.uniform(-1, 1)) }
    }

    static func dot(_ y: Tensor, _ r: [Float]) -> Double {
        var s = 0.0
        for i in 0..<y.count { s += Double(y.data[i]) * Double(r[i]) }
        return s
    }

    /// Checks dL/dx (when `dx` is non-nil) and dL/dθ for every parameter.
    func check(input x: Tensor, parameters: [Parameter], forward: (Tensor) -> Tensor,
               backward: (Tensor) -> Tensor, checkInput: Bool = true,
               file: StaticString = #filePath, line: UInt = #line) {
        for p in parameters { p.zeroGrad() }
        let y0 = forward(x)
        let r = Self.weights(count: y0.count, seed: 99)
        let dx = backward(Tensor(shape: y0.shape, data: r))
        if checkInput {
            XCTAssertEqual(dx.shape, x.shape, file: file, line: line)
            for i in 0..<x.count {
                var xp = x, xm = x
                xp.data[i] += h; xm.data[i] -= h
                let num = (Self.dot(forward(xp), r) - Self.dot(forward(xm), r)) / Double(2 * h)
                let ana = Double(dx.data[i])
                if abs(num - ana) > absTol + relTol * max(abs(num), abs(ana)) {
                    XCTFail("dx[\(i)]: numeric \(num) vs analytic \(ana)", file: file, line: line); return
                }
            }
        }
        for p in parameters {
            let g = p.grad
            for i in 0..<p.value.count {
                let v = p.value[i]
                p.value[i] = v + h; let lp = Self.dot(forward(x), r)
                p.value[i] = v - h; let lm = Self.dot(forward(x), r)
                p.value[i] = v
                let num = (lp - lm) / Double(2 * h)
                let ana = Double(g[i])
                if abs(num - ana) > absTol + relTol * max(abs(num), abs(ana)) {
                    XCTFail("\(p.name)[\(i)]: numeric \(num) vs analytic \(ana)", file: file, line: line); return
                }
            }
        }
    }
}

func randomTensor(_ shape: [Int], seed: UInt64, lo: Double = -1, hi: Double = 1) -> Tensor {
    var rng = SplitMix64(seed: seed)
    let n = shape.reduce(1, *)
    return Tensor(shape: shape, data: (0..<n).map { _ in Float(rng.uniform(lo, hi)) })
}

/// Distinct values spaced 0.05 apart in a seeded random order: no two within 2h of each other,
/// so max-type layers never switch winners under the finite-difference step, and none within h of 0.
func distinctTensor(_ shape: [Int], seed: UInt64) -> Tensor {
    let n = shape.reduce(1, *)
    var v = (0..<n).map { Float($0 - n / 2) * 0.05 + 0.025 }
    var rng = SplitMix64(seed: seed)
    rng.shuffle(&v)
    return Tensor(shape: shape, data: v)
}
