import XCTest
import TestSupport
@testable import Classifier

final class ConvolutionTests: XCTestCase {
    /// Direct 7-loop convolution in Double, the definition.
    func naive(_ x: Tensor, _ conv: Conv2D) -> [Double] {
        let n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3]
        let k = conv.kernel, s = conv.stride, p = conv.padding
        let oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1
        var y = [Double](repeating: 0, count: n * conv.outChannels * oh * ow)
        for img in 0..<n { for o in 0..<conv.outChannels { for oy in 0..<oh { for ox in 0..<ow {
            var acc = Double(conv.bias?.value[o] ?? 0)
            for ch in 0..<c { for i in 0..<k { for j in 0..<k {
                let iy = oy * s - p + i, ix = ox * s - p + j
                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                acc += Double(conv.weight.value[((o * c + ch) * k + i) * k + j]) * Double(x.data[((img * c + ch) * h + iy) * w + ix])
            } } }
            y[((img * conv.outChannels + o) * oh + oy) * ow + ox] = acc
        } } } }
        return y
    }

    func testConvMatchesDirectConvolution() {
        // (k, s, pad, H, W): odd/even sizes, padding larger than needed, stride 3, 1×1.
        let cases = [(3, 1, 1, 9, 11), (3, 2, 1, 10, 9), (5, 2, 2, 13, 12), (4, 3, 0, 11, 14),
                     (1, 1, 0, 5, 6), (3, 1, 2, 6, 5), (7, 2, 3, 16, 16)]
        // Plus sizes that exercise the image grouping (Conv2D.targetColumns = 1024 columns per
        // sgemm): 33×33 outputs → one image per group (direct NCHW output); 16×16 with 5 images
        // → groups of 4 and 1.
        let grouped = [(3, 1, 1, 33, 33, 3), (3, 1, 1, 16, 16, 5)]
        for (idx, (k, s, p, h, w, n)) in (cases.map { ($0.0, $0.1, $0.2, $0.3, $0.4, 2) } + grouped).enumerated() {
            var rng = SplitMix64(seed: UInt64(idx))
            let conv = Conv2D(name: "c", inChannels: 3, outChannels: 4, kernel: k, stride: s, padding: p, rng: &rng)
            for i in conv.bias!.value.indices { conv.bias!.value[i] = Float(i) - 1.5 }
            let x = randomTensor([n, 3, h, w], seed: UInt64(100 + idx))
            let y = conv.forward(x)
            let ref = naive(x, conv)
            XCTAssertEqual(y.shape, [n, 4, (h + 2 * p - k) / s + 1, (w + 2 * p - k) / s + 1])
            // float32 sums of ≤ 3·49 products of magnitude ≤ ~2: rounding ≤ ~1e-5.
            assertAllClose(y.data.map(Double.init), ref, abs: 1e-4, rel: 1e-5, "case \(idx)")
        }
    }

    func testKaimingInitHasExpectedVarianceAndIsSeeded() {
        var r1 = SplitMix64(seed: 5), r2 = SplitMix64(seed: 5)
        let a = Conv2D(name: "a", inChannels: 16, outChannels: 64, kernel: 3, rng: &r1)
        let b = Conv2D(name: "a", inChannels: 16, outChannels: 64, kernel: 3, rng: &r2)
        XCTAssertEqual(a.weight.value, b.weight.value)
        let v = a.weight.value.map { Double($0) * Double($0) }.reduce(0, +) / Double(a.weight.value.count)
        // 9216 samples of N(0, 2/144): the sample variance is within ±5% with overwhelming probability.
        assertClose(v, 2.0 / 144, rel: 0.05)
    }
}

final class FusedInferenceTests: XCTestCase {
    /// The fused inference paths equal the separate layers, for positive, negative and zero γ,
    /// running and batch statistics, even and odd sizes.
    func testFusedBatchNormReLUPoolEqualsSeparateLayers() {
        let bn = BatchNorm2D(name: "bn", channels: 3)
        bn.gamma.value = [1.3, -0.8, 0.0]; bn.beta.value = [0.2, 0.1, -0.4]
        bn.runningMean.value = [0.1, -0.2, 0.3]; bn.runningVar.value = [0.9, 1.7, 0.4]
        for shape in [[2, 3, 8, 6], [1, 3, 7, 9]] {
            let x = randomTensor(shape, seed: 12, lo: -2, hi: 2)
            for batchStats in [false, true] {
                let sep: Tensor
                if batchStats {
                    // batch statistics without touching the running ones
                    let copy = BatchNorm2D(name: "c", channels: 3)
                    copy.gamma.value = bn.gamma.value; copy.beta.value = bn.beta.value
                    sep = copy.forward(x, training: true)
                } else {
                    sep = bn.forward(x, training: false)
                }
                let r = ReLU().forward(sep)
                let fused = bn.forwardInference(x, relu: true, batchStatistics: batchStats)
                // γ·(x − μ)·σ⁻¹ + β vs the folded a·x + b: same value up to float rounding.
                assertAllClose(fused.data, r.data, abs: 1e-5, rel: 1e-5)
                // Pooling the raw window first is exact (monotone per channel).
                let pooled = MaxPool2D(kernel: 2, stride: 2).forward(fused)
                XCTAssertEqual(bn.forwardInferencePooled(x, batchStatistics: batchStats), pooled)
            }
        }
    }
}
