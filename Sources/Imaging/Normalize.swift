/// Intensity normalisation of one image: percentile clipping and scaling to 0…255 (NumPy's
/// linear-interpolation percentile), histogram equalisation (scikit-image `equalize_hist`
/// with 256 bins over the image range, times 255, rounded half to even), and quantisation.
public enum Normalize {
    /// The q-th percentile (0…100) of `values` with linear interpolation between order
    /// statistics (NumPy's default): position q/100·(n−1). Expected O(n) (quickselect).
    /// - Throws: `ImagingError(.argument)` for an empty input or q outside [0, 100].
    public static func percentile(_ values: [Float], _ q: Double) throws -> Float {
        guard !values.isEmpty else { throw ImagingError(.argument, "percentile of an empty image") }
        guard q >= 0, q <= 100 else { throw ImagingError(.argument, "percentile must be in [0, 100], got \(q)") }
        var work = values
        return work.withUnsafeMutableBufferPointer { percentile(in: $0, q) }
    }

    /// Two percentiles q1 ≤ q2 on a scratch buffer (reordered in place); the second selection
    /// only searches the part right of the first order statistic.
    static func percentiles(in a: UnsafeMutableBufferPointer<Float>, _ q1: Double, _ q2: Double) -> (Float, Float) {
        let p1 = percentile(in: a, q1)
        let n = a.count
        let lo1 = min(Int((q1 / 100 * Double(n - 1)).rounded(.down)), n - 1)
        guard lo1 + 1 < n else { return (p1, percentile(in: a, q2)) }
        let pos = q2 / 100 * Double(n - 1)
        let lo = min(Int(pos.rounded(.down)), n - 1)
        let frac = Float(pos - Double(lo))
        guard lo > lo1 else { return (p1, percentile(in: a, q2)) }
        let rest = UnsafeMutableBufferPointer(rebasing: a[(lo1 + 1)...])
        let vlo = Selection.select(rest, lo - lo1 - 1)
        if lo + 1 >= n || frac == 0 { return (p1, vlo) }
        var vhi = Float.infinity
        for i in (lo - lo1)..<rest.count where rest[i] < vhi { vhi = rest[i] }
        return (p1, vlo + (vhi - vlo) * frac)
    }

    /// Percentile on a scratch buffer (reordered in place).
    static func percentile(in a: UnsafeMutableBufferPointer<Float>, _ q: Double) -> Float {
        let n = a.count
        let pos = q / 100 * Double(n - 1)
        let lo = min(Int(pos.rounded(.down)), n - 1)
        let frac = Float(pos - Double(lo))
        let vlo = Selection.select(a, lo)
        if lo + 1 >= n || frac == 0 { return vlo }
        var vhi = Float.infinity
        for i in (lo + 1)..<n where a[i] < vhi { vhi = a[i] }  // the right part holds values ≥ a[lo]
        return vlo + (vhi - vlo) * frac
    }

    /// (clamp(x, low, high) − low) · 255 / (high − low); all zero when high ≤ low.
    public static func scale(_ image: [Float], low: Float, high: Float) -> [Float] {
        guard high > low else { return [Float](repeating: 0, count: image.count) }
        let s = 255 / (high - low)
        return image.map { (min(max($0, low), high) - low) * s }
    }

    /// Histogram equalisation as scikit-image's `equalize_hist(image, nbins)` (256 bins spanning
    /// [min, max], cumulative distribution at the bin centres, linear interpolation), mapped to
    /// 0…255 by rint(·255). A constant image maps to 128 (scikit-image gives 0.5).
    public static func equalize(_ image: [Float], bins: Int = 256) -> [UInt8] {
        guard let lo = image.min(), let hi = image.max() else { return [] }
        let nb = max(1, bins)
        var first = Double(lo), last = Double(hi)
        if first == last { first -= 0.5; last += 0.5 }  // as numpy.histogram does
        let width = (last - first) / Double(nb)
        var hist = [Double](repeating: 0, count: nb)
        let norm = Double(nb) / (last - first)
        for x in image {
            var b = Int((Double(x) - first) * norm)
            if b >= nb { b = nb - 1 } else if b < 0 { b = 0 }
            hist[b] += 1
        }
        var cdf = hist
        for i in 1..<nb { cdf[i] += cdf[i - 1] }
        let total = cdf[nb - 1]
        for i in 0..<nb { cdf[i] /= total }
        // Per bin j: value = cdf[j] + (cdf[j+1] − cdf[j])·(t − j), t = (x − c0)/width.
        let c0 = first + 0.5 * width
        let invWidth = Float(1 / width), c0f = Float(c0)
        var base = [Float](repeating: 0, count: nb), slope = [Float](repeating: 0, count: nb)
        for j in 0..<nb {
            base[j] = Float(cdf[j] * 255)
            slope[j] = j + 1 < nb ? Float((cdf[j + 1] - cdf[j]) * 255) : 0
        }
        let lowEnd = Float(cdf[0] * 255), highEnd = Float(cdf[nb - 1] * 255)
        let top = Float(nb - 1)
        var out = [UInt8](repeating: 0, count: image.count)
        image.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                base.withUnsafeBufferPointer { bp in
                    slope.withUnsafeBufferPointer { sp in
                        for i in 0..<src.count {
                            let t = (src[i] - c0f) * invWidth
                            let e: Float
                            if t <= 0 { e = lowEnd } else if t >= top { e = highEnd } else {
                                let j = Int(t)
                                e = bp[j] + sp[j] * (t - Float(j))
                            }
                            dst[i] = UInt8(min(max(rint8(e), 0), 255))
                        }
                    }
                }
            }
        }
        return out
    }

    /// rint(x) clamped to 0…255.
    public static func quantize(_ image: [Float]) -> [UInt8] {
        image.map { UInt8(min(max(rint8($0), 0), 255)) }
    }

    /// Round half to even for |x| < 2²² without a libm call (baseline x86-64 has no roundss):
    /// adding and subtracting 1.5·2²³ leaves the float rounded by the FPU's default mode.
    @inline(__always) static func rint8(_ x: Float) -> Float {
        let magic: Float = 12_582_912
        return abs(x) < 4_194_304 ? (x + magic) - magic : x
    }
}

/// In-place selection (k-th smallest) with median-of-three quickselect; falls back to sorting a
/// sub-range after too many rounds, so the worst case stays O(n log n).
enum Selection {
    static func select(_ a: UnsafeMutableBufferPointer<Float>, _ k: Int) -> Float {
        var lo = 0, hi = a.count - 1
        var rounds = 0
        while lo < hi {
            rounds += 1
            if rounds > 64 {
                let sorted = a[lo...hi].sorted()
                for (i, x) in sorted.enumerated() { a[lo + i] = x }
                return a[k]
            }
            let mid = lo + (hi - lo) / 2
            if a[mid] < a[lo] { a.swapAt(mid, lo) }
            if a[hi] < a[lo] { a.swapAt(hi, lo) }
            if a[hi] < a[mid] { a.swapAt(hi, mid) }
            let pivot = a[mid]
            var i = lo, j = hi
            while i <= j {
                while a[i] < pivot { i += 1 }
                while a[j] > pivot { j -= 1 }
                if i <= j { a.swapAt(i, j); i += 1; j -= 1 }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { return a[k] }
        }
        return a[k]
    }
}
