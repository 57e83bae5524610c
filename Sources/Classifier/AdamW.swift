import Foundation

/// Adam with decoupled weight decay (Loshchilov & Hutter, AdamW): for each parameter θ with
/// gradient g, m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − lr·(m̂/(√v̂ + ε) + λθ) where λ
/// applies only to parameters with `decays` (conv / linear weights).
public final class AdamW {
    public var beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8
    public var weightDecay: Float
    private var m: [[Float]]
    private var v: [[Float]]
    private var t = 0

    public init(parameters: [Parameter], weightDecay: Float) {
        self.weightDecay = weightDecay
        m = parameters.map { [Float](repeating: 0, count: $0.value.count) }
        v = m
    }

    /// One update with learning rate `lr` from the parameters' current gradients.
    public func step(_ parameters: [Parameter], lr: Float) {
        precondition(parameters.count == m.count)
        t += 1
        let bc1 = 1 - Float(pow(Double(beta1), Double(t))), bc2 = 1 - Float(pow(Double(beta2), Double(t)))
        for (k, p) in parameters.enumerated() {
            let decay = p.decays ? weightDecay : 0
            let b1 = beta1, b2 = beta2, e = eps
            m[k].withUnsafeMutableBufferPointer { mp in
                v[k].withUnsafeMutableBufferPointer { vp in
                    p.grad.withUnsafeBufferPointer { gp in
                        p.value.withUnsafeMutableBufferPointer { xp in
                            for i in 0..<xp.count {
                                let g = gp[i]
                                mp[i] = b1 * mp[i] + (1 - b1) * g
                                vp[i] = b2 * vp[i] + (1 - b2) * g * g
                                let mh = mp[i] / bc1, vh = vp[i] / bc2
                                xp[i] -= lr * (mh / (vh.squareRoot() + e) + decay * xp[i])
                            }
                        }
                    }
                }
            }
        }
    }
}
