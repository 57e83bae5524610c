/// Every setting of the per-volume chain (NMF → slice preprocessing → segmentation); the
/// defaults are the method's. Codable so a run can store it; decoding accepts partial JSON
/// (missing keys keep their defaults).
public struct PreprocessOptions: Codable, Sendable, Equatable {
    public var nmf: NMFOptions
    public var slice: SliceOptions
    public var segmentation: SegmentationOptions

    public init(nmf: NMFOptions = .init(), slice: SliceOptions = .init(), segmentation: SegmentationOptions = .init()) {
        self.nmf = nmf; self.slice = slice; self.segmentation = segmentation
    }

    /// The published configuration (`NMFOptions.blog`) with default slice and segmentation settings.
    public static var blog: PreprocessOptions { PreprocessOptions(nmf: .blog) }

    /// Checks every range. - Throws: `ImagingError(.argument)`.
    public func validate() throws {
        try nmf.validate(); try slice.validate(); try segmentation.validate()
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        nmf = try c.decodeIfPresent(NMFOptions.self, forKey: .nmf) ?? .init()
        slice = try c.decodeIfPresent(SliceOptions.self, forKey: .slice) ?? .init()
        segmentation = try c.decodeIfPresent(SegmentationOptions.self, forKey: .segmentation) ?? .init()
    }
}

/// Preprocessing of each base image: Gaussian smoothing, percentile scaling to 0…255, histogram
/// equalisation, and the foreground mask the segmentation works in.
public struct SliceOptions: Codable, Sendable, Equatable {
    /// How the foreground mask is found.
    public enum Foreground: String, Codable, Sendable, CaseIterable {
        /// The knee against the background, dark interior included: one mask per volume from
        /// its mean image (`KneeMask`), shared by every base image. The method's definition
        /// ("all pixels representing the knee except for the background"); the default.
        case knee
        /// Otsu on each equalised base image, largest component, holes filled: splits bright
        /// tissue from dark tissue, so the ligament falls outside (kept for comparison).
        case tissue
    }

    /// The foreground definition. Default `.knee`.
    public var foreground: Foreground = .knee
    /// `.knee`: radius r of the (2r+1)² square closing before hole filling (0 = none). Default 3.
    public var closingRadius: Int = 3
    /// Gaussian σ in pixels (0 = no smoothing). Default 1.
    public var sigma: Double = 1
    /// Kernel half-width in units of σ (scipy's `truncate`). Default 4.
    public var truncate: Double = 4
    /// Percentiles mapped to 0 and 255. Defaults 1 and 99.
    public var lowPercentile: Double = 1
    public var highPercentile: Double = 99
    /// Histogram equalisation after scaling. Default true.
    public var equalize: Bool = true
    /// Bins of the Otsu histogram over 0…255. Default 256.
    public var otsuBins: Int = 256
    /// `.tissue`: keep only the largest 4-connected foreground component. Default true.
    public var largestComponent: Bool = true
    /// `.tissue`: fill holes in the foreground. Default true.
    public var fillHoles: Bool = true

    public init() {}

    public func validate() throws {
        guard sigma >= 0, sigma.isFinite, sigma <= 100 else { throw ImagingError(.argument, "sigma must be in [0, 100], got \(sigma)") }
        guard truncate > 0, truncate.isFinite else { throw ImagingError(.argument, "truncate must be > 0, got \(truncate)") }
        guard lowPercentile >= 0, highPercentile <= 100, lowPercentile < highPercentile else {
            throw ImagingError(.argument, "percentiles must satisfy 0 ≤ low < high ≤ 100, got \(lowPercentile)…\(highPercentile)")
        }
        guard otsuBins >= 2, otsuBins <= 256 else { throw ImagingError(.argument, "otsuBins must be in 2…256, got \(otsuBins)") }
        guard (0...64).contains(closingRadius) else { throw ImagingError(.argument, "closingRadius must be in 0…64, got \(closingRadius)") }
    }
}

/// Exact 1-D K-means on the foreground intensities; clusters sorted by centroid, clusters
/// [keepStart, keepEnd) kept.
public struct SegmentationOptions: Codable, Sendable, Equatable {
    /// Number of clusters. Default 20.
    public var clusters: Int = 20
    /// First kept cluster (0 = darkest). Default 0.
    public var keepStart: Int = 0
    /// One past the last kept cluster. Default 4.
    public var keepEnd: Int = 4

    public init() {}
    public init(clusters: Int, keepStart: Int, keepEnd: Int) {
        self.clusters = clusters; self.keepStart = keepStart; self.keepEnd = keepEnd
    }

    public func validate() throws {
        guard clusters >= 1, clusters <= 256 else { throw ImagingError(.argument, "clusters must be in 1…256, got \(clusters)") }
        guard keepStart >= 0, keepStart < keepEnd, keepEnd <= clusters else {
            throw ImagingError(.argument, "keep range must satisfy 0 ≤ start < end ≤ clusters, got \(keepStart)..<\(keepEnd)")
        }
    }
}
