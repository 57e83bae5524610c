import Foundation

/// MRNet-style augmentation, identical for every slice of a volume: a random rotation, a random
/// shift and a random horizontal flip, applied by inverse mapping with bilinear sampling and zero
/// fill outside the image.
public struct Augmentation: Sendable, Equatable {
    /// Maximum rotation in degrees (uniform in ±maxRotation).
    public var maxRotationDegrees: Double
    /// Maximum shift as a fraction of the side (uniform in ±maxShift·S on each axis).
    public var maxShiftFraction: Double
    /// Probability of a left–right flip.
    public var flipProbability: Double

    public init(maxRotationDegrees: Double = 15, maxShiftFraction: Double = 0.08, flipProbability: Double = 0.5) {
        self.maxRotationDegrees = maxRotationDegrees; self.maxShiftFraction = maxShiftFraction
        self.flipProbability = flipProbability
    }

    /// No augmentation.
    public static let none = Augmentation(maxRotationDegrees: 0, maxShiftFraction: 0, flipProbability: 0)

    /// Applies one random transform (drawn from `rng`) to all slices of x (S, C, H, W).
    public func apply(_ x: Tensor, rng: inout SplitMix64) -> Tensor {
        let angle = rng.uniform(-maxRotationDegrees, maxRotationDegrees) * Double.pi / 180
        let h = x.shape[2], w = x.shape[3]
        let tx = rng.uniform(-maxShiftFraction, maxShiftFraction) * Double(w)
        let ty = rng.uniform(-maxShiftFraction, maxShiftFraction) * Double(h)
        let flip = rng.nextUnit() < flipProbability
        if angle == 0 && tx == 0 && ty == 0 && !flip { return x }
        return Self.transform(x, angle: angle, shiftX: tx, shiftY: ty, flip: flip)
    }

    /// Output pixel (x, y) samples the input at R(−angle)·((x, y) − centre − shift) + centre,
    /// with x mirrored first when `flip`.
    static func transform(_ x: Tensor, angle: Double, shiftX: Double, shiftY: Double, flip: Bool) -> Tensor {
        let planes = x.shape[0] * x.shape[1], h = x.shape[2], w = x.shape[3]
        let cx = Double(w - 1) / 2, cy = Double(h - 1) / 2
        let c = cos(angle), s = sin(angle)
        // Precompute the 4 taps per output pixel once; reuse for every plane.
        var idx = [Int](repeating: Int.min, count: h * w)   // Int.min: outside
        var wts = [Float](repeating: 0, count: h * w * 4)
        for oy in 0..<h {
            for ox in 0..<w {
                let fx = flip ? Double(w - 1 - ox) : Double(ox)
                let dx = fx - cx - shiftX, dy = Double(oy) - cy - shiftY
                let sx = c * dx + s * dy + cx, sy = -s * dx + c * dy + cy
                let x0 = Int(sx.rounded(.down)), y0 = Int(sy.rounded(.down))
                guard x0 >= -1, y0 >= -1, x0 < w, y0 < h else { continue }
                let ax = Float(sx - Double(x0)), ay = Float(sy - Double(y0))
                let o = oy * w + ox
                idx[o] = y0 * w + x0   // may be negative on the border; zero weights mask those taps
                let inX0 = x0 >= 0, inX1 = x0 + 1 < w, inY0 = y0 >= 0, inY1 = y0 + 1 < h
                wts[4 * o] = inX0 && inY0 ? (1 - ax) * (1 - ay) : 0
                wts[4 * o + 1] = inX1 && inY0 ? ax * (1 - ay) : 0
                wts[4 * o + 2] = inX0 && inY1 ? (1 - ax) * ay : 0
                wts[4 * o + 3] = inX1 && inY1 ? ax * ay : 0
            }
        }
        var out = [Float](repeating: 0, count: x.count)
        x.data.withUnsafeBufferPointer { src in
            for pl in 0..<planes {
                let base = pl * h * w
                for o in 0..<(h * w) where idx[o] != Int.min {
                    let i = idx[o]
                    var v: Float = 0
                    if wts[4 * o] != 0 { v += wts[4 * o] * src[base + i] }
                    if wts[4 * o + 1] != 0 { v += wts[4 * o + 1] * src[base + i + 1] }
                    if wts[4 * o + 2] != 0 { v += wts[4 * o + 2] * src[base + i + w] }
                    if wts[4 * o + 3] != 0 { v += wts[4 * o + 3] * src[base + i + w + 1] }
                    out[base + o] = v
                }
            }
        }
        return Tensor(shape: x.shape, data: out)
    }
}
