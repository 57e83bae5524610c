import XCTest
@testable import Classifier

/// The whole network's backward pass (conv → BN → ReLU → pool blocks, global average pool, max
/// over slices, linear) against central finite differences of its logit, in training mode with
/// dropout 0 — the layers are checked one by one in `LayerGradientTests`; this checks that
/// `Network.backward` chains them in the order `forward` applied them, including the strided stem
/// and the grouped sgemm path of the later blocks.
final class NetworkGradientTests: XCTestCase {
    func testNetworkBackwardMatchesFiniteDifferencesOfTheLogit() throws {
        try check(batchNorm: .volume, pool: .average)
    }

    /// Batch norm off (a per-channel affine map) and global max pooling: the same check.
    func testNetworkVariantsBackwardMatchFiniteDifferences() throws {
        try check(batchNorm: .off, pool: .average)
        try check(batchNorm: .volume, pool: .max)
        try check(batchNorm: .off, pool: .max)
    }

    func check(batchNorm: Architecture.BatchNormStatistics, pool: Architecture.SpatialPool,
               file: StaticString = #filePath, line: UInt = #line) throws {
        let arch = Architecture(inputSize: 16, blocks: [
            .init(channels: 3, kernel: 5, stride: 2, pool: false),   // 16 → 8
            .init(channels: 4, kernel: 3, stride: 1, pool: true),    // 8 → 4
            .init(channels: 5, kernel: 3, stride: 1, pool: false),   // 4
        ], dropout: 0, batchNorm: batchNorm, spatialPool: pool)
        let net = try Network(architecture: arch, seed: 3)
        let x = randomTensor([4, 1, 16, 16], seed: 21, lo: 0, hi: 1)
        var rng = SplitMix64(seed: 0)
        func logit() -> Double { Double(net.forward(x, training: true, rng: &rng)) }

        for p in net.parameters { p.zeroGrad() }
        _ = logit()
        net.backward(dLogit: 1)
        let grads = net.parameters.map(\.grad)

        // Float32 logit (|z| ≲ 10, rounding ~1e-6) with h = 1e-3: quotient error ~1e-3; a ReLU
        // or max switching inside ±h adds O(h) to single entries. Compare entries whose
        // derivative is not tiny, and require (nearly) all of them to agree.
        let h: Float = 1e-3
        var checked = 0, bad: [String] = []
        for (k, p) in net.parameters.enumerated() {
            for i in stride(from: 0, to: p.value.count, by: max(1, p.value.count / 12)) {   // ≤ 12 entries each
                let v = p.value[i]
                p.value[i] = v + h; let lp = logit()
                p.value[i] = v - h; let lm = logit()
                p.value[i] = v
                let num = (lp - lm) / Double(2 * h), ana = Double(grads[k][i])
                checked += 1
                if abs(num - ana) > 2e-2 + 5e-2 * max(abs(num), abs(ana)) {
                    bad.append("\(p.name)[\(i)]: numeric \(num), analytic \(ana)")
                }
            }
        }
        XCTAssertGreaterThan(checked, 60, file: file, line: line)
        XCTAssertLessThanOrEqual(bad.count, 2, "\(batchNorm) / \(pool): " + bad.joined(separator: "; "), file: file, line: line)
    }
}
