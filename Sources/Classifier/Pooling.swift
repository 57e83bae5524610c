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
        if k == 2 && s == 2 {
            forward2x2(x.data, planes: planes, h: h, w: w, oh: oh, ow: ow, into: &y)
            return Tensor(shape: [x.shape[0], x.shape[1], oh, ow], data: y)
        }
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

    /// The common 2×2, stride-2 window without the generic loop's branches (same tie rule).
    private func forward2x2(_ x: [Float], planes: Int, h: Int, w: Int, oh: Int, ow: Int, into y: inout [Float]) {
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                argmax.withUnsafeMutableBufferPointer { ap in
                    for pl in 0..<planes {
                        let base = pl * h * w
                        for oy in 0..<oh {
                            let r0 = base + 2 * oy * w, r1 = r0 + w
                            let o = (pl * oh + oy) * ow
                            for ox in 0..<ow {
                                let i0 = r0 + 2 * ox, i2 = r1 + 2 * ox
                                let a = xp[i0], b = xp[i0 + 1], c = xp[i2], d = xp[i2 + 1]
                                var best = a, bi = i0
                                if b > best { best = b; bi = i0 + 1 }
                                if c > best { best = c; bi = i2 }
                                if d > best { best = d; bi = i2 + 1 }
                                yp[o + ox] = best
                                ap[o + ox] = Int32(bi)
                            }
                        }
                    }
                }
            }
        }
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
                y[pl] = VectorOps.sum(xp.baseAddress! + pl * p, p) / Float(p)
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

/// Global max pooling: (N, C, H, W) → (N, C), the largest value of each map (first in raster
/// order on ties). A small structure decides as much as a large one, where an average dilutes it
/// by the area of the field of view.
public final class GlobalMaxPool {
    private var inShape: [Int] = []
    private var argmax: [Int] = []
    public init() {}

    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.shape.count == 4)
        inShape = x.shape
        let planes = x.shape[0] * x.shape[1], p = x.shape[2] * x.shape[3]
        var y = [Float](repeating: 0, count: planes)
        argmax = [Int](repeating: 0, count: planes)
        x.data.withUnsafeBufferPointer { xp in
            for pl in 0..<planes {
                var best = xp[pl * p], at = 0
                for i in 1..<max(p, 1) where xp[pl * p + i] > best { best = xp[pl * p + i]; at = i }
                y[pl] = best; argmax[pl] = at
            }
        }
        return Tensor(shape: [x.shape[0], x.shape[1]], data: y)
    }

    public func backward(_ dy: Tensor) -> Tensor {
        let planes = inShape[0] * inShape[1], p = inShape[2] * inShape[3]
        precondition(dy.count == planes)
        var dx = [Float](repeating: 0, count: planes * p)
        for pl in 0..<planes { dx[pl * p + argmax[pl]] = dy.data[pl] }
        return Tensor(shape: inShape, data: dx)
    }
}
