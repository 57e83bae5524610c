/// Batch normalisation over (N, H, W) per channel of an NCHW tensor, with learnable scale γ and
/// shift β, and running mean / variance (momentum 0.1, unbiased variance, as PyTorch) used in
/// evaluation mode. ε = 1e-5.
public final class BatchNorm2D {
    public let channels: Int
    public let gamma: Parameter
    public let beta: Parameter
    public let runningMean: Buffer
    public let runningVar: Buffer
    public var momentum: Float = 0.1
    public let eps: Float = 1e-5

    private var xhat: [Float] = []
    private var invStd: [Float] = []
    private var shape: [Int] = []

    public init(name: String, channels: Int) {
        self.channels = channels
        gamma = Parameter(name: "\(name).weight", shape: [channels], value: [Float](repeating: 1, count: channels), decays: false)
        beta = Parameter(name: "\(name).bias", shape: [channels], value: [Float](repeating: 0, count: channels), decays: false)
        runningMean = Buffer(name: "\(name).running_mean", value: [Float](repeating: 0, count: channels))
        runningVar = Buffer(name: "\(name).running_var", value: [Float](repeating: 1, count: channels))
    }

    public var parameters: [Parameter] { [gamma, beta] }
    public var buffers: [Buffer] { [runningMean, runningVar] }

    /// Train mode normalises with the batch statistics (and updates the running ones); eval mode
    /// uses the running statistics.
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        precondition(x.shape.count == 4 && x.shape[1] == channels, "batchnorm input \(x.shape)")
        let n = x.shape[0], c = channels, p = x.shape[2] * x.shape[3]
        let m = n * p
        shape = x.shape
        var y = [Float](repeating: 0, count: x.count)
        if xhat.count != x.count { xhat = [Float](repeating: 0, count: x.count) }
        if invStd.count != c { invStd = [Float](repeating: 0, count: c) }
        x.data.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                xhat.withUnsafeMutableBufferPointer { hp in
                    for ch in 0..<c {
                        var mean: Float, variance: Float
                        if training {
                            var s = 0.0, s2 = 0.0
                            for img in 0..<n {
                                let row = xp.baseAddress! + (img * c + ch) * p
                                var a: Float = 0, b: Float = 0
                                for i in 0..<p { a += row[i] }
                                let mu0 = a / Float(p)
                                for i in 0..<p { let d = row[i] - mu0; b += d * d }
                                // combine per-image partial sums (shifted for accuracy)
                                s += Double(a)
                                s2 += Double(b) + Double(p) * Double(mu0) * Double(mu0)
                            }
                            let mu = s / Double(m)
                            let v = max(0, s2 / Double(m) - mu * mu)
                            mean = Float(mu); variance = Float(v)
                            let unbiased = m > 1 ? Float(v * Double(m) / Double(m - 1)) : Float(v)
                            runningMean.value[ch] = (1 - momentum) * runningMean.value[ch] + momentum * mean
                            runningVar.value[ch] = (1 - momentum) * runningVar.value[ch] + momentum * unbiased
                        } else {
                            mean = runningMean.value[ch]; variance = runningVar.value[ch]
                        }
                        let inv = 1 / (variance + eps).squareRoot()
                        invStd[ch] = inv
                        let g = gamma.value[ch], b = beta.value[ch]
                        for img in 0..<n {
                            let off = (img * c + ch) * p
                            let src = xp.baseAddress! + off, h = hp.baseAddress! + off, dst = yp.baseAddress! + off
                            for i in 0..<p {
                                let v = (src[i] - mean) * inv
                                h[i] = v
                                dst[i] = g * v + b
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: x.shape, data: y)
    }

    /// Gradient of a train-mode forward pass (batch statistics depend on the input).
    public func backward(_ dy: Tensor) -> Tensor {
        precondition(dy.shape == shape, "batchnorm grad \(dy.shape) vs \(shape)")
        let n = shape[0], c = channels, p = shape[2] * shape[3]
        let m = Float(n * p)
        var dx = [Float](repeating: 0, count: dy.count)
        dy.data.withUnsafeBufferPointer { dp in
            dx.withUnsafeMutableBufferPointer { xp in
                xhat.withUnsafeBufferPointer { hp in
                    for ch in 0..<c {
                        var sdy: Float = 0, sdyh: Float = 0
                        for img in 0..<n {
                            let off = (img * c + ch) * p
                            let d = dp.baseAddress! + off, h = hp.baseAddress! + off
                            for i in 0..<p { sdy += d[i]; sdyh += d[i] * h[i] }
                        }
                        gamma.grad[ch] += sdyh
                        beta.grad[ch] += sdy
                        let k = gamma.value[ch] * invStd[ch] / m
                        let meanDy = sdy, meanDyh = sdyh
                        for img in 0..<n {
                            let off = (img * c + ch) * p
                            let d = dp.baseAddress! + off, h = hp.baseAddress! + off, o = xp.baseAddress! + off
                            for i in 0..<p { o[i] = k * (m * d[i] - meanDy - h[i] * meanDyh) }
                        }
                    }
                }
            }
        }
        return Tensor(shape: shape, data: dx)
    }
}
