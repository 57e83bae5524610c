/// K-means segmentation of the foreground of one normalised image (exact 1-D K-means over its
/// 256-bin intensity histogram), keeping a range of clusters ordered by centroid.
public enum Segmentation {
    /// What one image yields.
    public struct Output: Sendable {
        /// Kept-cluster intensities (0…255), 0 elsewhere.
        public var segmented: [Float]
        /// Cluster per pixel (0 = darkest), 255 outside the foreground.
        public var labels: [UInt8]
        /// K-means objective over the foreground pixels (squared intensity units).
        public var inertia: Double
        /// Kept pixels / foreground pixels (0 for an empty foreground).
        public var keptFraction: Double
        /// Non-empty clusters found (≤ options.clusters; fewer when fewer distinct values).
        public var clusters: Int
    }

    /// Segments `image` (0…255) inside `mask` (0/1), same length.
    /// - Throws: `ImagingError(.shape)` when sizes differ, `.argument` for invalid options.
    public static func run(_ image: [UInt8], mask: [UInt8], options: SegmentationOptions) throws -> Output {
        try options.validate()
        guard image.count == mask.count else { throw ImagingError(.shape, "image has \(image.count) pixels, mask \(mask.count)") }
        var hist = [Double](repeating: 0, count: 256)
        var fg = 0
        for i in 0..<image.count where mask[i] != 0 { hist[Int(image[i])] += 1; fg += 1 }
        var labels = [UInt8](repeating: 255, count: image.count)
        var segmented = [Float](repeating: 0, count: image.count)
        guard fg > 0 else { return Output(segmented: segmented, labels: labels, inertia: 0, keptFraction: 0, clusters: 0) }
        var values: [Double] = [], weights: [Double] = [], bins: [Int] = []
        for b in 0..<256 where hist[b] > 0 { values.append(Double(b)); weights.append(hist[b]); bins.append(b) }
        let fit = try KMeans1D.fit(values: values, weights: weights, clusters: options.clusters)
        var binCluster = [UInt8](repeating: 255, count: 256)
        for (i, b) in bins.enumerated() { binCluster[b] = UInt8(fit.assignment[i]) }
        let keep = options.keepStart..<options.keepEnd
        var kept = 0
        for i in 0..<image.count where mask[i] != 0 {
            let c = binCluster[Int(image[i])]
            labels[i] = c
            if keep.contains(Int(c)) { segmented[i] = Float(image[i]); kept += 1 }
        }
        return Output(segmented: segmented, labels: labels, inertia: fit.inertia,
                      keptFraction: Double(kept) / Double(fg), clusters: fit.centroids.count)
    }
}
