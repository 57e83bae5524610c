import XCTest
@testable import Classifier

final class LayerGradientTests: XCTestCase {
    func testConv2DBackwardMatchesFiniteDifferences() {
        for (k, s, p) in [(3, 1, 1), (3, 2, 1), (5, 2, 2), (2, 2, 0)] {
            var rng = SplitMix64(seed: 7)
            let conv = Conv2D(name: "c", inChannels: 2, outChannels: 3, kernel: k, stride: s, padding: p, rng: &rng)
            for i in conv.bias!.value.indices { conv.bias!.value[i] = Float(i) * 0.1 }
            let x = randomTensor([2, 2, 7, 6], seed: 3)
            GradientCheck().check(input: x, parameters: conv.parameters,
                                  forward: { conv.forward($0) }, backward: { conv.backward($0) })
        }
        // One image per sgemm group (33×33 output ≥ Conv2D.targetColumns) and mixed groups (4 + 1).
        for shape in [[2, 1, 33, 33], [5, 1, 16, 16]] {
            var rng = SplitMix64(seed: 8)
            let conv = Conv2D(name: "c", inChannels: 1, outChannels: 2, kernel: 3, stride: 1, padding: 1, rng: &rng)
            GradientCheck().check(input: randomTensor(shape, seed: 4), parameters: conv.parameters,
                                  forward: { conv.forward($0) }, backward: { conv.backward($0) })
        }
    }

    func testBatchNormBackwardMatchesFiniteDifferences() {
        let bn = BatchNorm2D(name: "bn", channels: 3)
        bn.gamma.value = [1.5, -0.7, 0.9]; bn.beta.value = [0.1, 0.2, -0.3]
        let x = randomTensor([3, 3, 4, 5], seed: 11, lo: -2, hi: 3)
        GradientCheck().check(input: x, parameters: bn.parameters,
                              forward: { bn.forward($0, training: true) }, backward: { bn.backward($0) })
    }

    func testReLUBackwardMatchesFiniteDifferences() {
        let relu = ReLU()
        GradientCheck().check(input: distinctTensor([2, 3, 4, 4], seed: 5), parameters: [],
                              forward: { relu.forward($0) }, backward: { relu.backward($0) })
    }

    func testMaxPoolBackwardMatchesFiniteDifferences() {
        for (k, s) in [(2, 2), (3, 2)] {
            let pool = MaxPool2D(kernel: k, stride: s)
            GradientCheck().check(input: distinctTensor([2, 2, 7, 8], seed: 6), parameters: [],
                                  forward: { pool.forward($0) }, backward: { pool.backward($0) })
        }
    }

    func testGlobalAvgPoolBackwardMatchesFiniteDifferences() {
        let gap = GlobalAvgPool()
        GradientCheck().check(input: randomTensor([3, 4, 5, 3], seed: 8), parameters: [],
                              forward: { gap.forward($0) }, backward: { gap.backward($0) })
    }

    func testSliceMaxBackwardMatchesFiniteDifferences() {
        let sm = SliceMax()
        GradientCheck().check(input: distinctTensor([6, 5], seed: 9), parameters: [],
                              forward: { sm.forward($0) }, backward: { sm.backward($0) })
    }

    func testLinearBackwardMatchesFiniteDifferences() {
        var rng = SplitMix64(seed: 1)
        let fc = Linear(name: "fc", inFeatures: 7, outFeatures: 3, rng: &rng)
        GradientCheck().check(input: randomTensor([2, 7], seed: 2), parameters: fc.parameters,
                              forward: { fc.forward($0) }, backward: { fc.backward($0) })
    }

    func testDropoutBackwardMatchesFiniteDifferencesWithFixedMask() {
        let drop = Dropout(p: 0.4)
        GradientCheck().check(input: randomTensor([3, 20], seed: 4), parameters: [],
                              forward: { var r = SplitMix64(seed: 42); return drop.forward($0, training: true, rng: &r) },
                              backward: { drop.backward($0) })
        // About 40% dropped, survivors scaled by 1/0.6.
        var r = SplitMix64(seed: 42)
        let y = drop.forward(Tensor(shape: [1, 1000], data: [Float](repeating: 1, count: 1000)), training: true, rng: &r)
        let zeros = y.data.filter { $0 == 0 }.count
        XCTAssert((330...470).contains(zeros), "\(zeros) zeros")
        for v in y.data where v != 0 { XCTAssertEqual(v, 1 / 0.6, accuracy: 1e-6) }
        let e = drop.forward(Tensor(shape: [1, 3], data: [1, 2, 3]), training: false, rng: &r)
        XCTAssertEqual(e.data, [1, 2, 3])
    }

    func testSigmoidBCEDerivativeMatchesFiniteDifferences() {
        for z in [-30.0, -3.0, -0.2, 0.0, 0.7, 4.0, 30.0] {
            for label in [0, 1] {
                let w = 2.5
                let (l, d) = SigmoidBCE.loss(logit: z, label: label, positiveWeight: w)
                let h = 1e-5
                let num = (SigmoidBCE.loss(logit: z + h, label: label, positiveWeight: w).loss
                         - SigmoidBCE.loss(logit: z - h, label: label, positiveWeight: w).loss) / (2 * h)
                XCTAssertEqual(d, num, accuracy: 1e-6, "z=\(z) y=\(label)")
                // closed form at moderate z
                if abs(z) < 10 {
                    let s = 1 / (1 + exp(-z))
                    let ref = label == 1 ? -w * log(s) : -log(1 - s)
                    XCTAssertEqual(l, ref, accuracy: 1e-9)
                }
            }
        }
    }
}
