import CImagingKernels
import Foundation

/// The knee against the background: one foreground mask per volume that holds the whole knee,
/// its dark interior (ligaments, tendons, menisci, cortical bone, flow voids) included, and
/// leaves out the air and noise around it.
///
/// Dark tissue and air can have the same intensity on a single image, so no threshold on one base
/// image separates them (Otsu on an equalised base image splits tissue from tissue and drops the
/// ACL). Across the whole volume they differ: every pixel inside the knee holds tissue on most
/// slices, while air is dark on all of them. So the mask is computed once per volume:
/// 1. the mean image over the slices, smoothed (Gaussian σ of the slice options);
/// 2. log(max(x, 0) + 10⁻³·p99): air is a narrow noise floor, tissue spans a decade or two, and
///    on the log scale the two are the modes Otsu separates;
/// 3. Otsu's threshold on a 256-bin histogram of the log image between its minimum and maximum;
/// 4. a closing with a (2r+1)² square (r = `closingRadius`, 0 = none; the image is padded by r
///    so the border does not erode), which seals thin dark channels between the interior and
///    the outside;
/// 5. hole filling, the largest 4-connected component, and hole filling again.
/// The same mask then serves every base image of the volume.
///
/// The same mean image also gives the knee's landmark for the classifier's field of view
/// (`KneeAnchor`): the joint line, the darkest row between the bright femur and tibia.
public enum KneeMask {
    /// What the mask computation yields.
    public struct Output: Sendable {
        /// height×width, 0/1, row-major.
        public var mask: [UInt8]
        /// The Otsu threshold on the log scale (pixels above it start as foreground); nil when
        /// the mean image is constant.
        public var logThreshold: Float?
        /// Foreground pixel count.
        public var foreground: Int
        /// The joint line under the knee's centre; nil with an empty mask.
        public var anchor: KneeAnchor?
    }

    /// The knee mask of a volume (shape slices×height×width).
    /// - Throws: `ImagingError(.nonFinite)` when the volume holds NaN or ±inf, `.argument` for
    ///   invalid options.
    public static func compute(_ volume: Volume, options: SliceOptions) throws -> Output {
        let h = volume.height, w = volume.width, n = h * w
        // Each pixel summed over the slices in order, then scaled (kf_slice_mean: the same sums,
        // in pixel blocks that stay in L1 while the volume streams past once).
        let inv = 1 / Float(max(volume.slices, 1))
        var mean = [Float](repeating: 0, count: n)
        if n > 0, volume.slices > 0, volume.data.count >= volume.slices * n {
            volume.data.withUnsafeBufferPointer { v in
                mean.withUnsafeMutableBufferPointer { m in kf_slice_mean(v.baseAddress!, volume.slices, n, inv, m.baseAddress!) }
            }
        }
        return try compute(meanImage: mean, height: h, width: w, options: options)
    }

    /// The mask from an already averaged image (height×width).
    public static func compute(meanImage: [Float], height: Int, width: Int, options: SliceOptions) throws -> Output {
        try options.validate()
        let n = height * width
        guard n > 0, meanImage.count == n else { throw ImagingError(.shape, "mean image has \(meanImage.count) samples for \(height)×\(width)") }
        let smooth = options.sigma > 0
            ? try Gaussian.smooth(meanImage, height: height, width: width, sigma: options.sigma, truncate: options.truncate)
            : meanImage
        // The order-statistics form (no copy, no quickselect); NaN when a sample is not finite,
        // and then the selection decides as before (and the check below throws).
        var p99 = smooth.withUnsafeBufferPointer { Normalize.percentiles($0, 99, 99).0 }
        if p99.isNaN { p99 = try Normalize.percentile(smooth, 99) }
        guard p99.isFinite else { throw ImagingError(.nonFinite, "volume has NaN or infinite samples") }
        let eps = max(p99, Float.leastNormalMagnitude) * 1e-3
        var logs = [Float](repeating: 0, count: n)
        var lo = Float.infinity, hi = -Float.infinity
        // kf_knee_logs: the same logf and min/max in C; a non-finite log takes the Swift loop.
        let finite = smooth.withUnsafeBufferPointer { s in
            logs.withUnsafeMutableBufferPointer { kf_knee_logs(s.baseAddress!, n, eps, $0.baseAddress!, &lo, &hi) == 0 }
        }
        if !finite {
            lo = .infinity; hi = -.infinity
            for i in 0..<n {
                let l = Foundation.log(max(smooth[i], 0) + eps)
                logs[i] = l; lo = min(lo, l); hi = max(hi, l)
            }
        }
        var mask = [UInt8](repeating: 0, count: n)
        guard hi > lo else { return Output(mask: mask, logThreshold: nil, foreground: 0, anchor: nil) }
        let bins = 256
        var hist = [Double](repeating: 0, count: bins)
        let scale = Float(bins) / (hi - lo)
        if finite, scale.isFinite {
            var counts = [Int32](repeating: 0, count: bins)  // kf_histogram: the bin expression below
            logs.withUnsafeBufferPointer { kf_histogram($0.baseAddress!, n, lo, scale, Int32(bins), &counts) }
            for b in 0..<bins { hist[b] = Double(counts[b]) }
        } else {
            for l in logs { hist[min(bins - 1, Int((l - lo) * scale))] += 1 }
        }
        guard let t = Otsu.threshold(histogram: hist) else { return Output(mask: mask, logThreshold: nil, foreground: 0, anchor: nil) }
        let edge = lo + Float(t + 1) / scale           // upper edge of the last background bin
        for i in 0..<n where logs[i] >= edge { mask[i] = 1 }
        if options.closingRadius > 0 { Morphology.close(&mask, height: height, width: width, radius: options.closingRadius) }
        Morphology.fillHoles(&mask, height: height, width: width)
        Morphology.keepLargestComponent(&mask, height: height, width: width)
        Morphology.fillHoles(&mask, height: height, width: width)
        let fg = kf_count_nonzero(mask, n)
        let anchor = try KneeAnchor.find(meanImage: meanImage, mask: mask, height: height, width: width)
        return Output(mask: mask, logThreshold: edge, foreground: fg, anchor: anchor)
    }
}
