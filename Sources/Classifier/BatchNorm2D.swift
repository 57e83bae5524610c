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
    /// No normalisation: training uses the fixed running statistics (mean 0, variance 1, never
    /// updated) as inference does, so the layer is the per-channel affine map γ·x/√(1+ε) + β in
    /// both modes (`Architecture.BatchNormStatistics.off`).
    public var affineOnly = false

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
        let useBatch = training && !affineOnly
        let (batchMean, batchVar) = useBatch ? moments(x) : ([], [])
        x.data.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                xhat.withUnsafeMutableBufferPointer { hp in
                    for ch in 0..<c {
                        var mean: Float, variance: Float
                        if useBatch {
                            mean = batchMean[ch]; variance = batchVar[ch]
                            let v = Double(variance)
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

    /// Evaluation-mode forward pass fused with a following ReLU (one pass, no caches): what the
    /// network uses for inference. Equals `ReLU().forward(forward(x, training: false))`.
    /// With `batchStatistics` the input's own (biased) statistics replace the running ones, as in
    /// training mode, but nothing is cached or updated.
    public func forwardInference(_ x: Tensor, relu: Bool, batchStatistics: Bool = false) -> Tensor {
        precondition(x.shape.count == 4 && x.shape[1] == channels, "batchnorm input \(x.shape)")
        let n = x.shape[0], c = channels, p = x.shape[2] * x.shape[3]
        var y = [Float](repeating: 0, count: x.count)
        let floor: Float = relu ? 0 : -.infinity
        let (mean, variance) = batchStatistics ? moments(x) : (runningMean.value, runningVar.value)
        x.data.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                for ch in 0..<c {
                    let inv = 1 / (variance[ch] + eps).squareRoot()
                    let a = gamma.value[ch] * inv, b = beta.value[ch] - mean[ch] * a
                    for img in 0..<n {
                        let off = (img * c + ch) * p
                        let src = xp.baseAddress! + off, dst = yp.baseAddress! + off
                        for i in 0..<p { dst[i] = max(a * src[i] + b, floor) }
                    }
                }
            }
        }
        return Tensor(shape: x.shape, data: y)
    }

    /// Inference forward pass of batch norm → ReLU → 2×2 stride-2 max-pool in one pass over the
    /// input. BN + ReLU is monotone per channel (non-decreasing when γ·σ⁻¹ ≥ 0, else
    /// non-increasing), and rounding is monotone too, so pooling the raw window's max (or min)
    /// first gives bit-identical results to the three separate layers.
    public func forwardInferencePooled(_ x: Tensor, batchStatistics: Bool) -> Tensor {
        precondition(x.shape.count == 4 && x.shape[1] == channels, "batchnorm input \(x.shape)")
        let n = x.shape[0], c = channels, h = x.shape[2], w = x.shape[3]
        let oh = h / 2, ow = w / 2
        precondition(oh > 0 && ow > 0)
        let (mean, variance) = batchStatistics ? moments(x) : (runningMean.value, runningVar.value)
        var y = [Float](unsafeUninitializedCapacity: n * c * oh * ow) { _, k in k = n * c * oh * ow }
        x.data.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                for ch in 0..<c {
                    let inv = 1 / (variance[ch] + eps).squareRoot()
                    let a = gamma.value[ch] * inv, b = beta.value[ch] - mean[ch] * a
                    for img in 0..<n {
                        let src = xp.baseAddress! + (img * c + ch) * h * w
                        let dst = yp.baseAddress! + (img * c + ch) * oh * ow
                        // Negate a negative scale's channel so one max-loop serves both signs:
                        // a·min(x) = (−a)·max(−x).
                        let sgn: Float = a >= 0 ? 1 : -1, sa = a * sgn
                        for oy in 0..<oh {
                            let r0 = src + 2 * oy * w, r1 = r0 + w, d = dst + oy * ow
                            for ox in 0..<ow {
                                let u = sgn * r0[2 * ox], v = sgn * r0[2 * ox + 1]
                                let s = sgn * r1[2 * ox], t = sgn * r1[2 * ox + 1]
                                let m1 = u > v ? u : v, m2 = s > t ? s : t
                                let m = m1 > m2 ? m1 : m2
                                let z = sa * m + b
                                d[ox] = z > 0 ? z : 0
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [n, c, oh, ow], data: y)
    }

    /// Per-channel mean and biased variance over (N, H, W), accumulated per image plane in Float
    /// around the plane mean and combined in Double.
    func moments(_ x: Tensor) -> ([Float], [Float]) {
        let n = x.shape[0], c = channels, p = x.shape[2] * x.shape[3], m = Double(n * p)
        var means = [Float](repeating: 0, count: c), vars = [Float](repeating: 0, count: c)
        x.data.withUnsafeBufferPointer { xp in
            for ch in 0..<c {
                var s = 0.0, s2 = 0.0
                for img in 0..<n {
                    let row = xp.baseAddress! + (img * c + ch) * p
                    let a = VectorOps.sum(row, p)
                    let mu0 = a / Float(p)
                    let b = VectorOps.sumSquaredDeviations(row, p, from: mu0)
                    s += Double(a)
                    s2 += Double(b) + Double(p) * Double(mu0) * Double(mu0)
                }
                let mu = s / m
                means[ch] = Float(mu); vars[ch] = Float(max(0, s2 / m - mu * mu))
            }
        }
        return (means, vars)
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
                            sdy += VectorOps.sum(d, p); sdyh += VectorOps.dot(d, h, p)
                        }
                        gamma.grad[ch] += sdyh
                        beta.grad[ch] += sdy
                        if affineOnly {   // fixed statistics: dx = γ·σ⁻¹·dy
                            let a = gamma.value[ch] * invStd[ch]
                            for img in 0..<n {
                                let off = (img * c + ch) * p
                                let d = dp.baseAddress! + off, o = xp.baseAddress! + off
                                for i in 0..<p { o[i] = a * d[i] }
                            }
                            continue
                        }
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
