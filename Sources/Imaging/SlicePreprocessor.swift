/// One base image through smoothing, normalisation, Otsu and clean-up.
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
    }

    /// Runs the slice chain on a row-major height×width float image.
    /// - Throws: `ImagingError(.shape)` / `.argument` for bad sizes or options.
    public static func run(_ image: [Float], height: Int, width: Int, options: SliceOptions) throws -> Output {
        let smooth = try Gaussian.smooth(image, height: height, width: width, sigma: options.sigma, truncate: options.truncate)
        var scratch = smooth
        let (lo, hi) = scratch.withUnsafeMutableBufferPointer { b in
            Normalize.percentiles(in: b, options.lowPercentile, options.highPercentile)
        }
        let scaled = Normalize.scale(smooth, low: lo, high: hi)
        let normalized = options.equalize ? Normalize.equalize(scaled) : Normalize.quantize(scaled)
        let threshold = Otsu.threshold(normalized, bins: options.otsuBins)
        var mask = [UInt8](repeating: 0, count: normalized.count)
        if let t = threshold {
            for i in 0..<normalized.count where Int(normalized[i]) > t { mask[i] = 1 }
            if options.largestComponent { Morphology.keepLargestComponent(&mask, height: height, width: width) }
            if options.fillHoles { Morphology.fillHoles(&mask, height: height, width: width) }
        }
        var fg = 0
        for m in mask { fg += Int(m) }
        return Output(normalized: normalized, mask: mask, threshold: threshold, foreground: fg)
    }
}
