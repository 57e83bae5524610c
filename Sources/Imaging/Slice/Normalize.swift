import CImagingKernels

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

    /// Two percentiles (q1, q2) of `a`, exactly as `percentile`, without reordering. The needed
    /// order statistics come from `kf_order_statistics` (a sampled histogram brackets each rank,
    /// one counting pass confirms it) or, when a bracket misses, from a 4096-bin histogram over
    /// [min, max] (bin index monotone in the value) locating each rank's bin, whose few values
    /// are then gathered and sorted. Samples must be finite (NaN, NaN otherwise).
    static func percentiles(_ a: UnsafeBufferPointer<Float>, _ q1: Double, _ q2: Double) -> (Float, Float) {
        let n = a.count
        guard n > 0, let base = a.baseAddress else { return (0, 0) }
        var lo = a[0], hi = a[0]
        if kf_minmax_fast(base, n, &lo, &hi) != 0 { return (.nan, .nan) }
        if !(hi > lo) { return (lo, lo) }
        func split(_ q: Double) -> (Int, Float) {
            let pos = q / 100 * Double(n - 1)
            let k = min(Int(pos.rounded(.down)), n - 1)
            return (k, Float(pos - Double(k)))
        }
        let (k1, f1) = split(q1), (k2, f2) = split(q2)
        let ranks = [k1, min(k1 + 1, n - 1), k2, min(k2 + 1, n - 1)]
        let stats = orderStatistics(base, n, lo, hi, ranks)
        func value(_ r: Int, _ frac: Float) -> Float {  // r: 0 (q1) or 2 (q2)
            let v0 = stats[r]
            if ranks[r] + 1 >= n || frac == 0 { return v0 }
            return v0 + (stats[r + 1] - v0) * frac
        }
        return (value(0, f1), value(2, f2))
    }

    /// The ranks-th smallest of the n finite samples at `base` (min lo < max hi).
    private static func orderStatistics(_ base: UnsafePointer<Float>, _ n: Int, _ lo: Float, _ hi: Float, _ ranks: [Int]) -> [Float] {
        let unique = Array(Set(ranks)).sorted()
        var found = [Float](repeating: 0, count: unique.count)
        if kf_order_statistics(base, n, lo, hi, unique, Int32(unique.count), &found) == 0 {
            return ranks.map { k in found[unique.firstIndex(of: k) ?? 0] }
        }
        let bins = 4096
        let scale = Float(bins) / (hi - lo)
        var hist = [Int32](repeating: 0, count: bins)
        hist.withUnsafeMutableBufferPointer { h in
            if kf_histogram_fast(base, n, lo, scale, Int32(bins), h.baseAddress!) != 0 {
                kf_histogram(base, n, lo, scale, Int32(bins), h.baseAddress!)
            }
        }
        var cum = [Int](repeating: 0, count: bins + 1)
        for b in 0..<bins { cum[b + 1] = cum[b] + Int(hist[b]) }
        func bin(ofRank k: Int) -> Int {  // cum[b] ≤ k < cum[b + 1]
            var l = 0, r = bins - 1
            while l < r { let mid = (l + r) / 2; if cum[mid + 1] <= k { l = mid + 1 } else { r = mid } }
            return l
        }
        // The ranks' bins, and one pass gathering those bins' values.
        var slotOfBin = [Int8](repeating: -1, count: bins)
        var slotBins: [Int] = []
        for k in ranks {
            let b = bin(ofRank: k)
            if slotOfBin[b] < 0 { slotOfBin[b] = Int8(slotBins.count); slotBins.append(b) }
        }
        var offset = [Int](repeating: 0, count: slotBins.count + 1)  // slot s: offset[s]..<offset[s+1]
        for (s, b) in slotBins.enumerated() { offset[s + 1] = offset[s] + Int(hist[b]) }
        var fill = Array(offset.dropLast())
        var members = [Float](repeating: 0, count: offset[slotBins.count])
        members.withUnsafeMutableBufferPointer { mb in
            slotOfBin.withUnsafeBufferPointer { sb in
                fill.withUnsafeMutableBufferPointer { fb in
                    kf_gather_bins(base, n, lo, scale, Int32(bins), sb.baseAddress!, mb.baseAddress!, fb.baseAddress!)
                }
            }
            for s in slotBins.indices {
                var part = UnsafeMutableBufferPointer(rebasing: mb[offset[s]..<offset[s + 1]])
                part.sort()
            }
        }
        return ranks.map { k in
            let b = bin(ofRank: k)
            return members[offset[Int(slotOfBin[b])] + k - cum[b]]
        }
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
        guard !image.isEmpty else { return [] }
        let nb = max(1, bins)
        var out = [UInt8](repeating: 0, count: image.count)
        var hist = [Int32](repeating: 0, count: nb)
        var lut = [Float](repeating: 0, count: nb)
        image.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { o in
                hist.withUnsafeMutableBufferPointer { h in
                    lut.withUnsafeMutableBufferPointer { l in
                        kf_equalize(x.baseAddress!, x.count, Int32(nb), o.baseAddress!, h.baseAddress!, l.baseAddress!)
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
