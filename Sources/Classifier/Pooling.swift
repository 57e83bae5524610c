/// Max pooling with a square window on NCHW tensors (no padding; output (H − k)/s + 1, floor).
/// Ties go to the first maximum in row-major window order.
public final class MaxPool2D {
    public let kernel: Int, stride: Int
    private var argmax: [Int32] = []
    private var inShape: [Int] = []

    public init(kernel: Int, stride: Int) { precondition(kernel > 0 && stride > 0); self.kernel = kernel; self.stride = stride }

    public func outputSize(_ h: Int) -> Int { (h - kernel) / stride + 1 }

    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.shape.count == 4)
        let planes = x.shape[0] * x.shape[1], h = x.shape[2], w = x.shape[3]
        let oh = outputSize(h), ow = outputSize(w)
        precondition(oh > 0 && ow > 0, "maxpool input \(x.shape) too small")
        inShape = x.shape
        var y = [Float](repeating: 0, count: planes * oh * ow)
        if argmax.count != y.count { argmax = [Int32](repeating: 0, count: y.count) }
        let k = kernel, s = stride
        x.data.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                argmax.withUnsafeMutableBufferPointer { ap in
                    for pl in 0..<planes {
                        let src = xp.baseAddress! + pl * h * w
                        for oy in 0..<oh {
                            for ox in 0..<ow {
                                var best = -Float.infinity, bi = 0
                                for i in 0..<k {
                                    let r = (oy * s + i) * w + ox * s
                                    for j in 0..<k where src[r + j] > best { best = src[r + j]; bi = r + j }
                                }
                                let o = (pl * oh + oy) * ow + ox
                                yp[o] = best
                                ap[o] = Int32(pl * h * w + bi)
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [x.shape[0], x.shape[1], oh, ow], data: y)
    }

    /// Routes each output gradient to the input element that won its window.
    public func backward(_ dy: Tensor) -> Tensor {
        precondition(dy.count == argmax.count)
        var dx = [Float](repeating: 0, count: inShape.reduce(1, *))
        for i in 0..<dy.count { dx[Int(argmax[i])] += dy.data[i] }
        return Tensor(shape: inShape, data: dx)
    }
}

/// Global average pooling: (N, C, H, W) → (N, C).
public final class GlobalAvgPool {
    private var inShape: [Int] = []
    public init() {}

    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.shape.count == 4)
        inShape = x.shape
        let planes = x.shape[0] * x.shape[1], p = x.shape[2] * x.shape[3]
        var y = [Float](repeating: 0, count: planes)
        x.data.withUnsafeBufferPointer { xp in
            for pl in 0..<planes {
                var s: Float = 0
                let r = xp.baseAddress! + pl * p
                for i in 0..<p { s += r[i] }
                y[pl] = s / Float(p)
            }
        }
        return Tensor(shape: [x.shape[0], x.shape[1]], data: y)
    }

    public func backward(_ dy: Tensor) -> Tensor {
        let planes = inShape[0] * inShape[1], p = inShape[2] * inShape[3]
        precondition(dy.count == planes)
        var dx = [Float](repeating: 0, count: planes * p)
        let inv = 1 / Float(p)
        for pl in 0..<planes {
            let g = dy.data[pl] * inv
            for i in 0..<p { dx[pl * p + i] = g }
        }
        return Tensor(shape: inShape, data: dx)
    }
}

/// Maximum over the slices of a volume (the batch axis): (S, C) → (1, C), as MRNet pools its
/// per-slice features. Ties go to the lowest slice index; `winners[c]` is the slice chosen.
public final class SliceMax {
    public private(set) var winners: [Int] = []
    private var slices = 0
    public init() {}

    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.shape.count == 2 && x.shape[0] > 0)
        slices = x.shape[0]
        let c = x.shape[1]
        var y = [Float](repeating: -.infinity, count: c)
        winners = [Int](repeating: 0, count: c)
        for s in 0..<slices {
            for ch in 0..<c where x.data[s * c + ch] > y[ch] { y[ch] = x.data[s * c + ch]; winners[ch] = s }
        }
        return Tensor(shape: [1, c], data: y)
    }

    public func backward(_ dy: Tensor) -> Tensor {
        let c = winners.count
        precondition(dy.count == c)
        var dx = [Float](repeating: 0, count: slices * c)
        for ch in 0..<c { dx[winners[ch] * c + ch] = dy.data[ch] }
        return Tensor(shape: [slices, c], data: dx)
    }
}
