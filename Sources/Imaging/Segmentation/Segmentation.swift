import CImagingKernels

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
        try run(image, mask: mask, counts: nil, options: options)
    }

    /// `run` with the foreground histogram (`counts[v]` = pixels with mask ≠ 0 and value v, 256
    /// entries) already known, as the slice stage provides it.
    static func run(_ image: [UInt8], mask: [UInt8], counts known: [Int32]?, options: SegmentationOptions) throws -> Output {
        try options.validate()
        guard image.count == mask.count else { throw ImagingError(.shape, "image has \(image.count) pixels, mask \(mask.count)") }
        let n = image.count
        var counts = [Int32](repeating: 0, count: 256)  // foreground pixels per intensity
        if let known, known.count == 256 {
            counts = known
        } else if n > 0 {
            image.withUnsafeBufferPointer { im in
                mask.withUnsafeBufferPointer { m in kf_masked_histogram(im.baseAddress!, m.baseAddress!, n, &counts) }
            }
        }
        var fg = 0
        for c in counts { fg += Int(c) }
        guard fg > 0 else {
            return Output(segmented: [Float](repeating: 0, count: n), labels: [UInt8](repeating: 255, count: n),
                          inertia: 0, keptFraction: 0, clusters: 0)
        }
        var values: [Double] = [], weights: [Double] = [], bins: [Int] = []
        for b in 0..<256 where counts[b] > 0 { values.append(Double(b)); weights.append(Double(counts[b])); bins.append(b) }
        let fit = try KMeans1D.fit(values: values, weights: weights, clusters: options.clusters)
        // Clusters are contiguous intensity runs (ascending): a pixel's label is the number of
        // later clusters' first intensities ≤ its value, and the kept clusters one intensity range.
        let k = fit.centroids.count, keep = options.keepStart..<options.keepEnd
        var starts = [UInt8](repeating: 0, count: k), binCluster = [UInt8](repeating: 255, count: 256)
        var binValue = [Float](repeating: 0, count: 256)
        var keptLo = 256, keptHi = -1, kept = 0, contiguous = true
        for (i, b) in bins.enumerated() {
            let c = fit.assignment[i], previous = i == 0 ? -1 : fit.assignment[i - 1]
            if c != previous { contiguous = contiguous && c == previous + 1; starts[c] = UInt8(b) }
            binCluster[b] = UInt8(c)
            if keep.contains(c) { keptLo = min(keptLo, b); keptHi = max(keptHi, b); binValue[b] = Float(b); kept += Int(counts[b]) }
        }
        var segmented = [Float](unsafeUninitializedCapacity: n) { _, c in c = n }
        let labels = [UInt8](unsafeUninitializedCapacity: n) { lb, c in
            image.withUnsafeBufferPointer { im in
                mask.withUnsafeBufferPointer { m in
                    segmented.withUnsafeMutableBufferPointer { sg in
                        if contiguous && k <= 32 {
                            kf_map_steps(im.baseAddress!, m.baseAddress!, n, starts, Int32(k), Int32(keptLo), Int32(keptHi), lb.baseAddress!, sg.baseAddress!)
                        } else {
                            kf_map_labels(im.baseAddress!, m.baseAddress!, n, binCluster, binValue, lb.baseAddress!, sg.baseAddress!)
                        }
                    }
                }
            }
            c = n
        }
        return Output(segmented: segmented, labels: labels, inertia: fit.inertia,
                      keptFraction: Double(kept) / Double(fg), clusters: fit.centroids.count)
    }
}
