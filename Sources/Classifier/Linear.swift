/// Fully connected layer: (B, in) → (B, out), y = x·Wᵀ + b, weight (out, in). Kaiming-uniform-like
/// initialisation with std √(1/in) (the output feeds a sigmoid, not a ReLU).
public final class Linear {
    public let inFeatures: Int, outFeatures: Int
    public let weight: Parameter
    public let bias: Parameter
    private var input: [Float] = []
    private var batch = 0

    public init(name: String, inFeatures: Int, outFeatures: Int, rng: inout SplitMix64) {
        self.inFeatures = inFeatures; self.outFeatures = outFeatures
        let std = (1.0 / Double(inFeatures)).squareRoot()
        let w = (0..<(inFeatures * outFeatures)).map { _ in Float(rng.normal() * std) }
        weight = Parameter(name: "\(name).weight", shape: [outFeatures, inFeatures], value: w, decays: true)
        bias = Parameter(name: "\(name).bias", shape: [outFeatures], value: [Float](repeating: 0, count: outFeatures), decays: false)
    }

    public var parameters: [Parameter] { [weight, bias] }

    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.shape.count == 2 && x.shape[1] == inFeatures, "linear input \(x.shape)")
        batch = x.shape[0]
        input = x.data
        var y = [Float](repeating: 0, count: batch * outFeatures)
        for b in 0..<batch {
            for o in 0..<outFeatures {
                var s = bias.value[o]
                for i in 0..<inFeatures { s += weight.value[o * inFeatures + i] * x.data[b * inFeatures + i] }
                y[b * outFeatures + o] = s
            }
        }
        return Tensor(shape: [batch, outFeatures], data: y)
    }

    public func backward(_ dy: Tensor) -> Tensor {
        precondition(dy.shape == [batch, outFeatures])
        var dx = [Float](repeating: 0, count: batch * inFeatures)
        for b in 0..<batch {
            for o in 0..<outFeatures {
                let g = dy.data[b * outFeatures + o]
                bias.grad[o] += g
                for i in 0..<inFeatures {
                    weight.grad[o * inFeatures + i] += g * input[b * inFeatures + i]
                    dx[b * inFeatures + i] += g * weight.value[o * inFeatures + i]
                }
            }
        }
        return Tensor(shape: [batch, inFeatures], data: dx)
    }
}
