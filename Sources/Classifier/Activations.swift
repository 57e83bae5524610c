import Foundation

/// Rectified linear unit, element-wise on any shape.
public final class ReLU {
    private var output: [Float] = []
    public init() {}

    public func forward(_ x: Tensor) -> Tensor {
        var y = x.data
        y.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] = max(p[i], 0) } }
        output = y
        return Tensor(shape: x.shape, data: y)
    }

    /// dx = dy where the output was positive, else 0 (the subgradient 0 at x = 0).
    public func backward(_ dy: Tensor) -> Tensor {
        precondition(dy.count == output.count)
        var dx = dy.data
        dx.withUnsafeMutableBufferPointer { d in
            output.withUnsafeBufferPointer { o in for i in d.indices where o[i] <= 0 { d[i] = 0 } }
        }
        return Tensor(shape: dy.shape, data: dx)
    }
}

/// Inverted dropout: in training, each element is zeroed with probability `p` and survivors are
/// scaled by 1/(1−p); in evaluation the layer is the identity. The mask comes from the caller's
/// seeded generator, so runs are reproducible.
public final class Dropout {
    public let p: Float
    private var mask: [Float] = []
    public init(p: Float) { precondition(p >= 0 && p < 1); self.p = p }

    public func forward(_ x: Tensor, training: Bool, rng: inout SplitMix64) -> Tensor {
        guard training, p > 0 else { mask = [Float](repeating: 1, count: x.count); return x }
        let scale = 1 / (1 - p)
        mask = (0..<x.count).map { _ in rng.nextUnit() < Double(p) ? 0 : scale }
        var y = x.data
        for i in y.indices { y[i] *= mask[i] }
        return Tensor(shape: x.shape, data: y)
    }

    public func backward(_ dy: Tensor) -> Tensor {
        var dx = dy.data
        for i in dx.indices { dx[i] *= mask[i] }
        return Tensor(shape: dy.shape, data: dx)
    }
}

/// Sigmoid + binary cross-entropy on one logit, computed stably in Double:
/// L = −[w⁺·y·log σ(z) + (1−y)·log(1−σ(z))], dL/dz = w⁺·y·(σ(z)−1) + (1−y)·σ(z).
public enum SigmoidBCE {
    public static func sigmoid(_ z: Double) -> Double {
        z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z))
    }

    /// log(1 + eᶻ) without overflow.
    static func softplus(_ z: Double) -> Double { z > 0 ? z + log1p(exp(-z)) : log1p(exp(z)) }

    /// Loss and its derivative with respect to the logit. `label` is 0 or 1.
    public static func loss(logit z: Double, label: Int, positiveWeight: Double) -> (loss: Double, dLogit: Double) {
        let y = Double(label)
        let loss = positiveWeight * y * softplus(-z) + (1 - y) * softplus(z)
        let s = sigmoid(z)
        return (loss, positiveWeight * y * (s - 1) + (1 - y) * s)
    }
}
