/// The MRNet-style network (Bien et al. 2018, compact): a per-slice convolutional backbone,
/// global average pooling per slice, max over the slices, dropout, linear → one logit.
///
/// A volume enters as (S, Cin, H, W) with S slices treated as the batch; batch norm therefore
/// normalises over the slices of one volume in training mode (and, with the default
/// `Architecture.batchNorm == .volume`, at inference too). One instance holds its own
/// activations caches, so one instance per thread.
public final class Network {
    public let architecture: Architecture
    let convs: [Conv2D]
    let norms: [BatchNorm2D]
    let relus: [ReLU]
    let pools: [MaxPool2D?]
    let gap = GlobalAvgPool()
    let gmp = GlobalMaxPool()
    let sliceMax = SliceMax()
    let dropout: Dropout
    let fc: Linear

    /// Builds the network with Kaiming-normal convolution weights from `seed`.
    /// - Throws: `ClassifierError(.architecture)` when the description is invalid.
    public init(architecture: Architecture, seed: UInt64) throws {
        try architecture.validate()
        self.architecture = architecture
        var rng = SplitMix64(seed: seed)
        var convs: [Conv2D] = [], norms: [BatchNorm2D] = [], relus: [ReLU] = [], pools: [MaxPool2D?] = []
        var cin = architecture.inputChannels
        for (i, b) in architecture.blocks.enumerated() {
            let conv = Conv2D(name: "block\(i + 1).conv", inChannels: cin, outChannels: b.channels, kernel: b.kernel,
                              stride: b.stride, padding: b.kernel / 2, bias: false, rng: &rng)
            if i == 0 { conv.needsInputGradient = false }
            convs.append(conv)
            let norm = BatchNorm2D(name: "block\(i + 1).bn", channels: b.channels)
            norm.affineOnly = architecture.batchNorm == .off
            norms.append(norm)
            relus.append(ReLU())
            pools.append(b.pool ? MaxPool2D(kernel: 2, stride: 2) : nil)
            cin = b.channels
        }
        self.convs = convs; self.norms = norms; self.relus = relus; self.pools = pools
        dropout = Dropout(p: architecture.dropout)
        fc = Linear(name: "fc", inFeatures: cin, outFeatures: 1, rng: &rng)
    }

    /// Trainable parameters in a fixed order (the order of the optimiser's state).
    public var parameters: [Parameter] {
        var out: [Parameter] = []
        for i in convs.indices { out += convs[i].parameters; out += norms[i].parameters }
        return out + fc.parameters
    }

    /// Batch-norm running statistics.
    public var buffers: [Buffer] { norms.flatMap { $0.buffers } }

    /// The last block's output maps (S, C, h, w) after batch norm and ReLU.
    public func features(_ x: Tensor, training: Bool) -> Tensor {
        var t = x
        for i in convs.indices {
            t = convs[i].forward(t)
            if training {
                t = norms[i].forward(t, training: true)
                t = relus[i].forward(t)
                if let p = pools[i] { t = p.forward(t) }
            } else if pools[i] != nil {
                t = norms[i].forwardInferencePooled(t, batchStatistics: architecture.batchNorm == .volume)
            } else {
                t = norms[i].forwardInference(t, relu: true, batchStatistics: architecture.batchNorm == .volume)
            }
        }
        return t
    }

    /// The logit for one volume (S, Cin, H, W). `rng` drives dropout in training mode.
    public func forward(_ x: Tensor, training: Bool, rng: inout SplitMix64) -> Float {
        precondition(x.shape.count == 4 && x.shape[1] == architecture.inputChannels
                     && x.shape[2] == architecture.inputSize && x.shape[3] == architecture.inputSize,
                     "network input \(x.shape)")
        let f = features(x, training: training)
        let pooled = sliceMax.forward(architecture.spatialPool == .max ? gmp.forward(f) : gap.forward(f))
        let d = dropout.forward(pooled, training: training, rng: &rng)
        return fc.forward(d).data[0]
    }

    /// Back-propagates dL/dlogit through the last `forward` (training mode), accumulating into
    /// the parameters' gradients.
    public func backward(dLogit: Float) {
        var g = fc.backward(Tensor(shape: [1, 1], data: [dLogit]))
        g = dropout.backward(g)
        g = sliceMax.backward(g)
        g = architecture.spatialPool == .max ? gmp.backward(g) : gap.backward(g)
        for i in convs.indices.reversed() {
            if let p = pools[i] { g = p.backward(g) }
            g = relus[i].backward(g)
            g = norms[i].backward(g)
            g = convs[i].backward(g)
        }
    }

    /// Copies parameter values and buffers from a network of the same architecture.
    public func copyState(from other: Network) {
        precondition(other.architecture == architecture)
        for (a, b) in zip(parameters, other.parameters) { a.value = b.value }
        for (a, b) in zip(buffers, other.buffers) { a.value = b.value }
    }

    /// Forward floating-point operations of the convolutions (2 per multiply–add) for one volume
    /// of `slices` slices; the other layers add < 2%.
    public func forwardFlops(slices: Int) -> Double {
        var s = architecture.inputSize, total = 0.0
        for (i, conv) in convs.enumerated() {
            total += conv.flops(n: slices, h: s, w: s)
            s = conv.outputSize(s)
            if pools[i] != nil { s = (s - 2) / 2 + 1 }
        }
        return total
    }

    /// Backward flops: weight gradient plus input gradient (none for the first layer).
    public func backwardFlops(slices: Int) -> Double {
        var s = architecture.inputSize, total = 0.0
        for (i, conv) in convs.enumerated() {
            let f = conv.flops(n: slices, h: s, w: s)
            total += i == 0 ? f : 2 * f
            s = conv.outputSize(s)
            if pools[i] != nil { s = (s - 2) / 2 + 1 }
        }
        return total
    }
}
