import CImagingKernels

/// One base image through smoothing, normalisation and its foreground mask: the volume's knee
/// mask when given (`SliceOptions.Foreground.knee`), else Otsu and clean-up (`.tissue`).
public enum SlicePreprocessor {
    /// What one base image yields.
    public struct Output: Sendable {
        /// The normalised (and equalised) image, 0…255, row-major.
        public var normalized: [UInt8]
        /// Foreground mask, 0/1.
        public var mask: [UInt8]
        /// Otsu threshold (foreground = value > threshold); nil for a single-valued image.
        public var threshold: Int?
        /// Foreground pixel count.
        public var foreground: Int
        /// Foreground pixels per normalised value (256 entries), for the segmentation's
        /// histogram; nil when not computed.
        var foregroundCounts: [Int32]? = nil
    }

    /// Runs the slice chain on a row-major height×width float image.
    /// - Throws: `ImagingError(.shape)` / `.argument` for bad sizes or options, `.nonFinite`
    ///   when the (smoothed) image holds NaN or ±inf.
    /// - Parameter foreground: with `options.foreground == .knee`, the volume's knee mask
    ///   (`KneeMask`, height×width, 0/1); nil computes the per-image Otsu mask (`.tissue`).
    public static func run(_ image: [Float], height: Int, width: Int, options: SliceOptions, foreground: [UInt8]? = nil) throws -> Output {
        try image.withUnsafeBufferPointer { try run($0, height: height, width: width, options: options, foreground: foreground) }
    }

    /// Buffer form of `run` (the chain passes rows of the NMF's H without copying them).
    /// Smoothing, percentile scaling, equalisation and the Otsu histogram run in fused SIMD
    /// kernels that compute exactly what `Gaussian`, `Normalize` and `Otsu` define.
    static func run(_ image: UnsafeBufferPointer<Float>, height: Int, width: Int, options: SliceOptions, foreground: [UInt8]? = nil) throws -> Output {
        if let foreground, foreground.count != image.count {
            throw ImagingError(.shape, "foreground mask has \(foreground.count) pixels, image \(image.count)")
        }
        try Gaussian.check(count: image.count, height: height, width: width, sigma: options.sigma, truncate: options.truncate)
        let n = image.count
        guard let src = image.baseAddress else { throw ImagingError(.shape, "empty image") }
        // Smoothed image (or the input itself when σ = 0).
        var smoothStore: [Float] = []
        if options.sigma > 0 {
            let k = Gaussian.kernel(sigma: options.sigma, truncate: options.truncate)
            smoothStore = [Float](unsafeUninitializedCapacity: n) { b, c in
                Gaussian.smooth(src, b.baseAddress!, height: height, width: width, kernel: k)
                c = n
            }
        }
        return try smoothStore.withUnsafeBufferPointer { stored in
            let smooth = options.sigma > 0 ? stored : image
            return try finish(smooth, height: height, width: width, options: options, foreground: foreground)
        }
    }

    /// Everything after smoothing.
    private static func finish(_ smooth: UnsafeBufferPointer<Float>, height: Int, width: Int, options: SliceOptions,
                               foreground: [UInt8]?) throws -> Output {
        let n = smooth.count
        let (lo, hi) = Normalize.percentiles(smooth, options.lowPercentile, options.highPercentile)
        guard lo.isFinite, hi.isFinite else { throw ImagingError(.nonFinite, "image has NaN or infinite samples after smoothing") }
        var counts = [Int32](repeating: 0, count: 256)  // of the normalised bytes, for Otsu
        var normalized: [UInt8] = []
        var counted = false
        if options.equalize && hi > lo {
            var scaled = [Float](unsafeUninitializedCapacity: n) { _, c in c = n }
            var hist = [Int32](repeating: 0, count: 256), lut = [Float](repeating: 0, count: 256)
            normalized = [UInt8](unsafeUninitializedCapacity: n) { out, c in
                counted = kf_scale_equalize(smooth.baseAddress!, n, lo, hi, 256, &scaled, out.baseAddress!, &hist, &lut, &counts) == 0
                c = n
            }
        }
        if !counted {
            let scaled = Normalize.scale(Array(smooth), low: lo, high: hi)
            normalized = options.equalize ? Normalize.equalize(scaled) : Normalize.quantize(scaled)
            normalized.withUnsafeBufferPointer { p in kf_byte_histogram(p.baseAddress!, n, &counts) }
        }
        if let foreground {
            // The knee mask is given: its pixels are the foreground, whatever their intensity.
            // An image without contrast (a zero component) has nothing to segment.
            guard hi > lo else {
                return Output(normalized: normalized, mask: [UInt8](repeating: 0, count: n), threshold: nil, foreground: 0,
                              foregroundCounts: [Int32](repeating: 0, count: 256))
            }
            var fgCounts = [Int32](repeating: 0, count: 256), fg = 0
            // The C kernel reads n bytes of the knee mask: a shorter one would be read past its end.
            precondition(foreground.count == n, "knee mask has \(foreground.count) pixels, the image \(n)")
            let mask = [UInt8](unsafeUninitializedCapacity: n) { m, c in
                fg = foreground.withUnsafeBufferPointer { f in
                    normalized.withUnsafeBufferPointer { v in kf_knee_foreground(f.baseAddress!, v.baseAddress!, n, counts, m.baseAddress!, &fgCounts) }
                }
                c = n
            }
            return Output(normalized: normalized, mask: mask, threshold: nil, foreground: fg, foregroundCounts: fgCounts)
        }
        let threshold = Otsu.threshold(counts: counts, bins: options.otsuBins)
        var mask = [UInt8](repeating: 0, count: n)
        var fg = 0
        if let t = threshold {
            fg = normalized.withUnsafeBufferPointer { p in kf_threshold(p.baseAddress!, n, UInt8(clamping: t), &mask) }
            if options.largestComponent { Morphology.keepLargestComponent(&mask, height: height, width: width) }
            if options.fillHoles { Morphology.fillHoles(&mask, height: height, width: width) }
            if options.largestComponent || options.fillHoles {
                fg = kf_count_nonzero(mask, n)
            }
        }
        // The segmentation's histogram: the Otsu counts above the threshold, corrected where the
        // clean-up changed the mask.
        var fgCounts = [Int32](repeating: 0, count: 256)
        if let t = threshold {
            normalized.withUnsafeBufferPointer { p in kf_masked_counts(p.baseAddress!, mask, n, Int32(min(t, 255)), counts, &fgCounts) }
        }
        return Output(normalized: normalized, mask: mask, threshold: threshold, foreground: fg, foregroundCounts: fgCounts)
    }
}
