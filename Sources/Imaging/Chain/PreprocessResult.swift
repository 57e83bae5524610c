/// Everything the chain produces for one volume. Images are K × h × w, row-major per image.
public struct PreprocessResult: Sendable {
    /// NMF base images (rows of H), anatomically ordered (W-weighted mean slice index).
    public var base: Volume
    /// Normalised (and equalised) base images, 0…255.
    public var normalized: Volume
    /// Foreground masks, 0/1, K·h·w bytes (with `.knee`, K copies of the volume's knee mask).
    public var masks: [UInt8]
    /// Kept-cluster intensities (0…255), 0 elsewhere.
    public var segmented: Volume
    /// Cluster label per pixel (sorted by centroid, 0 = darkest); 255 = background.
    public var labels: [UInt8]
    public var metrics: PreprocessMetrics
    /// NMF weights W (slices × K, row-major): how much each base image contributes to each slice.
    public var weights: [Float]
}

/// Measurements of one chain run (Codable, stored with the job's result).
public struct PreprocessMetrics: Codable, Sendable, Equatable {
    /// Wall-clock milliseconds per stage.
    public struct Milliseconds: Codable, Sendable, Equatable {
        public var nmf: Double
        public var slice: Double
        public var segmentation: Double
        public var total: Double
    }
    public var ms: Milliseconds
    /// NMF outer iterations, whether the tolerance stopped it, ‖V−WH‖_F/‖V‖_F, final objective.
    public var nmfIterations: Int
    /// Iterations of the coarse-to-fine start (binned pixels; 0 when off).
    public var nmfCoarseIterations: Int
    public var nmfConverged: Bool
    public var nmfRelativeError: Double
    public var nmfObjective: Double
    /// Rank fitted (min(K, slices, pixels)) and components that are all zero (incl. padding).
    public var nmfRank: Int
    public var zeroComponents: Int
    /// The knee's joint-line landmark (`KneeAnchor`), with the `.knee` foreground; nil otherwise
    /// or for an empty mask.
    public var kneeAnchor: KneeAnchor?
    /// Per base image: Otsu threshold (nil: single-valued image, empty foreground, or the
    /// `.knee` foreground, which has no per-image threshold).
    public var thresholds: [Int?]
    /// Per base image: foreground pixels / pixels.
    public var foregroundFractions: [Double]
    /// Per base image: kept pixels / foreground pixels (0 for an empty foreground).
    public var keptFractions: [Double]
    /// Per base image: K-means inertia over the foreground (squared 0…255 units).
    public var inertia: [Double]
    /// Per base image: non-empty clusters found.
    public var clusters: [Int]
    /// Base images with an empty foreground (nothing segmented).
    public var emptyForeground: Int
}

extension PreprocessResult {
    /// The volume's foreground (h×w, 0/1): pixels in the foreground of any base image (with the
    /// `.knee` foreground, the knee mask itself). The classifier centres its field of view on it.
    public var landmarks: KneeLandmarks { KneeLandmarks(foreground: foregroundUnion, anchor: metrics.kneeAnchor) }

    public var foregroundUnion: [UInt8] { Self.foregroundUnion(masks: masks, height: base.height, width: base.width) }

    /// The union of K stacked h×w foreground masks (K·h·w bytes, non-zero = foreground): 0/1 per pixel.
    public static func foregroundUnion(masks: [UInt8], height: Int, width: Int) -> [UInt8] {
        let n = height * width
        var out = [UInt8](repeating: 0, count: n)
        guard n > 0 else { return out }
        for k in 0..<(masks.count / n) { for i in 0..<n where masks[k * n + i] != 0 { out[i] = 1 } }
        return out
    }
}
