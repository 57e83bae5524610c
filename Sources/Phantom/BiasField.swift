import Foundation

/// A smooth multiplicative intensity non-uniformity (coil sensitivity): a separable product of
/// low-order exponential polynomials in x, y and the slice index, times (1 + c·x·y) for a twist.
/// `strength` 0.3 gives roughly ±30 % across the field of view.
struct BiasField: Sendable {
    private let rows: [Float]      // per (slice, y)
    /// Column factors, per x.
    let columns: [Float]
    /// Coefficient of the x·y term (x, y in −1…1).
    let twist: Float
    private let size: Int

    init(rng r: inout SplitMix64, strength: Float, size: Int, slices: Int) {
        self.size = size
        let ax = r.uniform(-1, 1) * strength, bx = r.uniform(-0.5, 0.5) * strength
        let ay = r.uniform(-1, 1) * strength, by = r.uniform(-0.5, 0.5) * strength
        let az = r.uniform(-0.5, 0.5) * strength
        twist = r.uniform(-0.3, 0.3) * strength
        columns = (0..<size).map { x in
            let t = (Float(x) + 0.5) / Float(size) * 2 - 1
            return expf(ax * t + bx * t * t)
        }
        var rows = [Float](repeating: 1, count: slices * size)
        for s in 0..<slices {
            let zt = slices > 1 ? Float(s) / Float(slices - 1) * 2 - 1 : 0
            for y in 0..<size {
                let t = (Float(y) + 0.5) / Float(size) * 2 - 1
                rows[s * size + y] = expf(ay * t + by * t * t + az * zt)
            }
        }
        self.rows = rows
    }

    /// The factor shared by a whole row `y` of slice `s`.
    @inline(__always) func row(_ y: Int, slice s: Int) -> Float { rows[s * size + y] }
}
