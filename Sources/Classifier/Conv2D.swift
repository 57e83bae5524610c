import CBLAS

/// 2-D convolution (cross-correlation, as in every DL framework) on NCHW tensors with square
/// kernels, stride and zero padding, computed as im2col + one `cblas_sgemm` over the whole batch.
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

    private var cols: [Float] = []      // (Cin·k·k, N·OH·OW)
    private var scratch: [Float] = []   // (Cout, N·OH·OW)
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

    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.shape.count == 4 && x.shape[1] == inChannels, "conv input \(x.shape)")
        let n = x.shape[0], h = x.shape[2], w = x.shape[3]
        let oh = outputSize(h), ow = outputSize(w)
        precondition(oh > 0 && ow > 0, "conv input \(x.shape) too small")
        inShape = x.shape
        let p = oh * ow, np = n * p, ckk = inChannels * kernel * kernel
        if cols.count != ckk * np { cols = [Float](repeating: 0, count: ckk * np) }
        if scratch.count != outChannels * np { scratch = [Float](repeating: 0, count: outChannels * np) }
        x.data.withUnsafeBufferPointer { xp in
            cols.withUnsafeMutableBufferPointer { cp in
                Im2Col.im2col(xp.baseAddress!, n: n, c: inChannels, h: h, w: w, k: kernel, s: stride,
                              pad: padding, oh: oh, ow: ow, cols: cp.baseAddress!)
            }
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(outChannels), Int32(np), Int32(ckk),
                    1, weight.value, Int32(ckk), cols, Int32(np), 0, &scratch, Int32(np))
        var y = [Float](repeating: 0, count: n * outChannels * p)
        let co = outChannels
        y.withUnsafeMutableBufferPointer { yp in
            scratch.withUnsafeBufferPointer { sp in
                for c in 0..<co {
                    let b = bias?.value[c] ?? 0
                    for img in 0..<n {
                        let src = sp.baseAddress! + c * np + img * p
                        let dst = yp.baseAddress! + (img * co + c) * p
                        for i in 0..<p { dst[i] = src[i] + b }
                    }
                }
            }
        }
        return Tensor(shape: [n, outChannels, oh, ow], data: y)
    }

    public func backward(_ dy: Tensor) -> Tensor {
        let n = inShape[0], h = inShape[2], w = inShape[3]
        let oh = outputSize(h), ow = outputSize(w)
        let p = oh * ow, np = n * p, ckk = inChannels * kernel * kernel, co = outChannels
        precondition(dy.shape == [n, co, oh, ow], "conv grad \(dy.shape)")
        // dy (N, Cout, P) → scratch (Cout, N·P)
        dy.data.withUnsafeBufferPointer { dp in
            scratch.withUnsafeMutableBufferPointer { sp in
                for img in 0..<n {
                    for c in 0..<co {
                        (sp.baseAddress! + c * np + img * p).update(from: dp.baseAddress! + (img * co + c) * p, count: p)
                    }
                }
            }
        }
        if let bias {
            scratch.withUnsafeBufferPointer { sp in
                for c in 0..<co {
                    var s: Float = 0
                    let row = sp.baseAddress! + c * np
                    for i in 0..<np { s += row[i] }
                    bias.grad[c] += s
                }
            }
        }
        // dW (Cout, CKK) += dY (Cout, NP) · colsᵀ (NP, CKK)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(co), Int32(ckk), Int32(np),
                    1, scratch, Int32(np), cols, Int32(np), 1, &weight.grad, Int32(ckk))
        guard needsInputGradient else { return Tensor(zeros: [0]) }
        // dcols (CKK, NP) = Wᵀ (CKK, Cout) · dY (Cout, NP); reuse `cols` as the destination.
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(ckk), Int32(np), Int32(co),
                    1, weight.value, Int32(ckk), scratch, Int32(np), 0, &cols, Int32(np))
        var dx = [Float](repeating: 0, count: n * inChannels * h * w)
        cols.withUnsafeBufferPointer { cp in
            dx.withUnsafeMutableBufferPointer { xp in
                Im2Col.col2im(cp.baseAddress!, n: n, c: inChannels, h: h, w: w, k: kernel, s: stride,
                              pad: padding, oh: oh, ow: ow, dx: xp.baseAddress!)
            }
        }
        return Tensor(shape: inShape, data: dx)
    }
}
