import CImagingKernels

/// Otsu's threshold on a histogram: the cut maximising the between-class variance
/// w₁·w₂·(μ₁ − μ₂)², first maximum on ties (scikit-image's `threshold_otsu` convention: pixels
/// `> threshold` are foreground).
public enum Otsu {
    /// The threshold bin t (class 1 = bins 0…t) for `histogram`; nil when fewer than two bins are
    /// occupied (no cut separates anything).
    public static func threshold(histogram: [Double]) -> Int? {
        let nb = histogram.count
        guard nb >= 2 else { return nil }
        var total = 0.0, totalSum = 0.0
        for (i, c) in histogram.enumerated() { total += c; totalSum += c * Double(i) }
        var w1 = 0.0, s1 = 0.0
        var best = -1.0, arg: Int? = nil
        for t in 0..<(nb - 1) {
            w1 += histogram[t]; s1 += histogram[t] * Double(t)
            let w2 = total - w1
            guard w1 > 0, w2 > 0 else { continue }
            let d = s1 / w1 - (totalSum - s1) / w2
            let v = w1 * w2 * d * d
            if v > best { best = v; arg = t }
        }
        return arg
    }

    /// Otsu threshold of an 8-bit image over `bins` equal bins of 0…255 (256: one per value).
    /// Returns the largest intensity of the background class (mask = pixel > threshold), or nil
    /// when the image has a single occupied bin.
    public static func threshold(_ pixels: [UInt8], bins: Int = 256) -> Int? {
        guard !pixels.isEmpty else { return nil }
        var counts = [Int32](repeating: 0, count: 256)
        pixels.withUnsafeBufferPointer { p in
            counts.withUnsafeMutableBufferPointer { kf_byte_histogram(p.baseAddress!, p.count, $0.baseAddress!) }
        }
        return threshold(counts: counts, bins: bins)
    }

    /// `threshold(_:bins:)` from the image's 256 value counts (counts[v] = pixels equal to v).
    static func threshold(counts: [Int32], bins: Int) -> Int? {
        let nb = min(max(bins, 2), 256)
        var hist = [Double](repeating: 0, count: nb)
        for v in 0..<min(256, counts.count) { hist[v * nb / 256] += Double(counts[v]) }
        guard let t = threshold(histogram: hist) else { return nil }
        return ((t + 1) * 256 + nb - 1) / nb - 1  // highest value whose bin is ≤ t
    }
}
