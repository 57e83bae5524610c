import CBLAS

/// 2-D convolution (cross-correlation, as in every DL framework) on NCHW tensors with square
/// kernels, stride and zero padding, computed as im2col + `cblas_sgemm` over groups of images.
///
/// Shapes: input (N, Cin, H, W) → output (N, Cout, OH, OW) with OH = (H + 2p − k)/s + 1.
/// Weight (Cout, Cin, k, k); optional bias (Cout). `backward` accumulates into the parameters'
/// gradients and returns the input gradient (unless `needsInputGradient` is false: first layer).
public final class Conv2D {
    public let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int
    public let weight: Parameter
    public let bias: Parameter?
    /// When false, `backward` skips the input gradient (returns an empty tensor): saves a gemm
    /// and a col2im on the network's first layer.
    public var needsInputGradient = true

    private var cols: [Float] = []      // per image group: (Cin·k·k, group·OH·OW)
    private var scratch: [Float] = []   // (Cout, group·OH·OW) when a group has > 1 image
    private var inShape: [Int] = []

    public init(name: String, inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1,
                padding: Int = 0, bias: Bool = true, rng: inout SplitMix64) {
        precondition(inChannels > 0 && outChannels > 0 && kernel > 0 && stride > 0 && padding >= 0)
        self.inChannels = inChannels; self.outChannels = outChannels
        self.kernel = kernel; self.stride = stride; self.padding = padding
        let fanIn = inChannels * kernel * kernel
        let std = (2.0 / Double(fanIn)).squareRoot()   // Kaiming (He) normal for ReLU
        let n = outChannels * fanIn
        var w = [Float](repeating: 0, count: n)
        for i in 0..<n { w[i] = Float(rng.normal() * std) }
        weight = Parameter(name: "\(name).weight", shape: [outChannels, inChannels, kernel, kernel], value: w, decays: true)
        self.bias = bias ? Parameter(name: "\(name).bias", shape: [outChannels],
                                     value: [Float](repeating: 0, count: outChannels), decays: false) : nil
    }

    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    /// Output spatial size for an input size.
    public func outputSize(_ h: Int) -> Int { (h + 2 * padding - kernel) / stride + 1 }

    /// Multiply–adds ×2 of one forward pass for an input of (n, Cin, h, w).
    public func flops(n: Int, h: Int, w: Int) -> Double {
        2.0 * Double(n * outChannels * outputSize(h) * outputSize(w) * inChannels * kernel * kernel)
    }

    /// Columns per sgemm call we aim for: images are processed in groups of ⌈1024 / (OH·OW)⌉,
    /// so a group's column block (Cin·k²·group·OH·OW floats) stays in the 2 MB L2 cache between
    /// im2col and sgemm where possible, and a one-image group writes straight into the NCHW
    /// output without a transposing copy.
    static let targetColumns = 1024

    /// Images per group for an output plane of `p` pixels.
    func groupSize(n: Int, p: Int) -> Int { max(1, min(n, (Self.targetColumns + p - 1) / p)) }

    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.shape.count == 4 && x.shape[1] == inChannels, "conv input \(x.shape)")
        let n = x.shape[0], h = x.shape[2], w = x.shape[3]
        let oh = outputSize(h), ow = outputSize(w)
        precondition(oh > 0 && ow > 0, "conv input \(x.shape) too small")
        inShape = x.shape
        let p = oh * ow, ckk = inChannels * kernel * kernel, co = outChannels, cin = inChannels
        let g = groupSize(n: n, p: p)
        if cols.count != ckk * n * p { cols = [Float](repeating: 0, count: ckk * n * p) }
        if g > 1 && scratch.count != co * g * p { scratch = [Float](repeating: 0, count: co * g * p) }
        var y = [Float](unsafeUninitializedCapacity: n * co * p) { _, count in count = n * co * p }
        let (k, st, pad) = (kernel, stride, padding)
        x.data.withUnsafeBufferPointer { xp in
            cols.withUnsafeMutableBufferPointer { cp in
                y.withUnsafeMutableBufferPointer { yp in
                    scratch.withUnsafeMutableBufferPointer { sp in
                        weight.value.withUnsafeBufferPointer { wp in
                            for i0 in Swift.stride(from: 0, to: n, by: g) {
                                let gn = min(g, n - i0), gp = gn * p
                                let colsG = cp.baseAddress! + i0 * p * ckk
                                Im2Col.im2col(xp.baseAddress! + i0 * cin * h * w, n: gn, c: cin, h: h, w: w, k: k, s: st,
                                              pad: pad, oh: oh, ow: ow, cols: colsG)
                                let out = gn == 1 ? yp.baseAddress! + i0 * co * p : sp.baseAddress!
                                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(co), Int32(gp), Int32(ckk),
                                            1, wp.baseAddress!, Int32(ckk), colsG, Int32(gp), 0, out, Int32(gp))
                                if gn > 1 {   // (Cout, gn·P) → gn × (Cout, P)
                                    for c in 0..<co {
                                        for img in 0..<gn {
                                            let src = out + c * gp + img * p
                                            let dst = yp.baseAddress! + ((i0 + img) * co + c) * p
                                            for i in 0..<p { dst[i] = src[i] }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if let bias, bias.value.contains(where: { $0 != 0 }) {
            for img in 0..<n { for c in 0..<co {
                let b = bias.value[c]
                for i in 0..<p { y[(img * co + c) * p + i] += b }
            } }
        }
        return Tensor(shape: [n, co, oh, ow], data: y)
    }

    public func backward(_ dy: Tensor) -> Tensor {
        let n = inShape[0], h = inShape[2], w = inShape[3]
        let oh = outputSize(h), ow = outputSize(w)
        let p = oh * ow, ckk = inChannels * kernel * kernel, co = outChannels, cin = inChannels
        precondition(dy.shape == [n, co, oh, ow], "conv grad \(dy.shape)")
        let g = groupSize(n: n, p: p)
        if g > 1 && scratch.count != co * g * p { scratch = [Float](repeating: 0, count: co * g * p) }
        if let bias {
            dy.data.withUnsafeBufferPointer { dp in
                for img in 0..<n { for c in 0..<co {
                    bias.grad[c] += VectorOps.sum(dp.baseAddress! + (img * co + c) * p, p)
                } }
            }
        }
        let wantDx = needsInputGradient
        var dx = wantDx ? [Float](repeating: 0, count: n * cin * h * w) : []
        let (k, st, pad) = (kernel, stride, padding)
        dy.data.withUnsafeBufferPointer { dp in
            cols.withUnsafeMutableBufferPointer { cp in
                scratch.withUnsafeMutableBufferPointer { sp in
                    weight.value.withUnsafeBufferPointer { wp in
                        weight.grad.withUnsafeMutableBufferPointer { gw in
                            dx.withUnsafeMutableBufferPointer { xp in
                                for i0 in Swift.stride(from: 0, to: n, by: g) {
                                    let gn = min(g, n - i0), gp = gn * p
                                    let colsG = cp.baseAddress! + i0 * p * ckk
                                    let dyG: UnsafePointer<Float>
                                    if gn == 1 {
                                        dyG = dp.baseAddress! + i0 * co * p
                                    } else {   // gn × (Cout, P) → (Cout, gn·P)
                                        for c in 0..<co { for img in 0..<gn {
                                            let src = dp.baseAddress! + ((i0 + img) * co + c) * p
                                            let dst = sp.baseAddress! + c * gp + img * p
                                            for i in 0..<p { dst[i] = src[i] }
                                        } }
                                        dyG = UnsafePointer(sp.baseAddress!)
                                    }
                                    // dW (Cout, CKK) += dY_G (Cout, gP) · cols_Gᵀ (gP, CKK)
                                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(co), Int32(ckk), Int32(gp),
                                                1, dyG, Int32(gp), colsG, Int32(gp), 1, gw.baseAddress!, Int32(ckk))
                                    guard wantDx else { continue }
                                    // dcols_G (CKK, gP) = Wᵀ (CKK, Cout) · dY_G, in place of cols_G.
                                    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(ckk), Int32(gp), Int32(co),
                                                1, wp.baseAddress!, Int32(ckk), dyG, Int32(gp), 0, colsG, Int32(gp))
                                    Im2Col.col2im(colsG, n: gn, c: cin, h: h, w: w, k: k, s: st, pad: pad, oh: oh, ow: ow,
                                                  dx: xp.baseAddress! + i0 * cin * h * w)
                                }
                            }
                        }
                    }
                }
            }
        }
        guard wantDx else { return Tensor(zeros: [0]) }
        return Tensor(shape: inShape, data: dx)
    }
}
