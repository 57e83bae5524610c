import CImagingKernels
import Foundation

/// Separable Gaussian smoothing with scipy.ndimage's conventions: kernel radius
/// `Int(truncate·σ + 0.5)` (truncate 4 → 9 taps at σ = 1), weights exp(−x²/2σ²) normalised to
/// sum 1, and the `'reflect'` boundary (scipy's default: d c b a | a b c d | d c b a, the edge
/// sample repeated).
public enum Gaussian {
    /// The normalised 1-D kernel (2·radius + 1 taps).
    public static func kernel(sigma: Double, truncate: Double = 4) -> [Float] {
        let radius = Int(truncate * sigma + 0.5)
        var k = [Double](repeating: 0, count: 2 * radius + 1)
        var sum = 0.0
        for i in -radius...radius { let x = Double(i); k[i + radius] = exp(-0.5 * x * x / (sigma * sigma)); sum += k[i + radius] }
        return k.map { Float($0 / sum) }
    }

    /// Index into [0, n) under half-sample symmetric reflection (scipy `'reflect'`).
    @inline(__always) static func reflect(_ i: Int, _ n: Int) -> Int {
        if n == 1 { return 0 }
        let period = 2 * n
        var j = i % period
        if j < 0 { j += period }
        return j < n ? j : period - 1 - j
    }

    /// Smooths a row-major height×width image.
    /// - Parameters: sigma ≥ 0 in pixels (0 returns a copy); truncate in units of σ.
    /// - Throws: `ImagingError(.shape)` when `image.count != height·width`, `.argument` for a
    ///   negative or non-finite σ.
    public static func smooth(_ image: [Float], height: Int, width: Int, sigma: Double, truncate: Double = 4) throws -> [Float] {
        try check(count: image.count, height: height, width: width, sigma: sigma, truncate: truncate)
        if sigma == 0 { return image }
        let k = kernel(sigma: sigma, truncate: truncate)
        var out = [Float](repeating: 0, count: image.count)
        image.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                smooth(src.baseAddress!, dst.baseAddress!, height: height, width: width, kernel: k)
            }
        }
        return out
    }

    /// The argument checks of `smooth`.
    static func check(count: Int, height: Int, width: Int, sigma: Double, truncate: Double) throws {
        guard height > 0, width > 0, count == height * width else {
            throw ImagingError(.shape, "image \(height)×\(width) needs \(height * width) samples, got \(count)")
        }
        guard sigma >= 0, sigma.isFinite, truncate > 0, truncate.isFinite else {
            throw ImagingError(.argument, "Gaussian sigma must be ≥ 0 and truncate > 0, got σ=\(sigma), truncate=\(truncate)")
        }
    }

    /// Pointer form: `dst` (height·width, not overlapping `src`) receives the smoothed `src`.
    /// The SIMD kernel computes exactly what `smoothReference` does (same sums in the same order).
    static func smooth(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, height: Int, width: Int, kernel k: [Float]) {
        let failed = k.count > Int(Int32.max) ? 1 : k.withUnsafeBufferPointer { kb in
            kf_gauss2d(src, dst, height, width, kb.baseAddress!, Int32(kb.count))
        }
        if failed != 0 { smoothReference(src, dst, height: height, width: width, kernel: k) }
    }

    /// Scalar reference of the pointer form (and its fallback when scratch memory runs out):
    /// horizontal pass over a reflected copy of each row, then the vertical pass, each output
    /// accumulated tap by tap (k₀·x₀, then + kⱼ·xⱼ).
    static func smoothReference(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, height: Int, width: Int, kernel k: [Float]) {
        let radius = k.count / 2
        let taps = k.count
        var tmp = [Float](repeating: 0, count: height * width)
        var pad = [Float](repeating: 0, count: width + 2 * radius)
        k.withUnsafeBufferPointer { kb in
            tmp.withUnsafeMutableBufferPointer { tb in
                pad.withUnsafeMutableBufferPointer { pb in
                    let t = tb.baseAddress!, p = pb.baseAddress!
                    // Horizontal pass: pad the row by reflection, then a contiguous dot per tap.
                    for y in 0..<height {
                        let row = src + y * width
                        for x in 0..<(width + 2 * radius) { p[x] = row[reflect(x - radius, width)] }
                        let o = t + y * width
                        for x in 0..<width { o[x] = kb[0] * p[x] }
                        for j in 1..<taps {
                            let wj = kb[j]
                            let pj = p + j
                            for x in 0..<width { o[x] += wj * pj[x] }
                        }
                    }
                    // Vertical pass: whole rows at a time.
                    for y in 0..<height {
                        let o = dst + y * width
                        let r0 = t + reflect(y - radius, height) * width
                        let w0 = kb[0]
                        for x in 0..<width { o[x] = w0 * r0[x] }
                        for j in 1..<taps {
                            let rj = t + reflect(y - radius + j, height) * width
                            let wj = kb[j]
                            for x in 0..<width { o[x] += wj * rj[x] }
                        }
                    }
                }
            }
        }
    }
}
