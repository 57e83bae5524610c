/// A landmark of the knee on the sagittal plane, found from the image itself: the joint line
/// (the darkest row between the bright marrow of femur and tibia) under the knee's centre. The
/// ACL runs in the notch just above it, so the classifier's field of view can follow the knee
/// wherever the scan put it (`Architecture.cropCentre == .joint`).
///
/// - `column`: the centroid column of the knee mask (rounded down).
/// - `row`: on the mean image over all slices, smoothed with a Gaussian of σ = 2 px, the mean of
///   each row over the columns `column ± ⌈width/10⌉`; the row with the lowest mean among the
///   middle half of the rows (⌊h/4⌋ ..< ⌊3h/4⌋; the first on ties). Knee MRI is positioned on
///   the joint line, so it lies in that half.
public struct KneeAnchor: Codable, Sendable, Equatable {
    public var row: Int
    public var column: Int

    public init(row: Int, column: Int) { self.row = row; self.column = column }

    /// The anchor of a volume's mean image (height×width) and knee mask; nil for an empty mask
    /// or an image too small to search (fewer than 4 rows).
    /// - Throws: `ImagingError` from the smoothing (non-finite samples).
    public static func find(meanImage: [Float], mask: [UInt8], height: Int, width: Int) throws -> KneeAnchor? {
        guard height >= 4, width >= 1, mask.count == height * width, meanImage.count == height * width else { return nil }
        var sx = 0, n = 0
        for y in 0..<height { for x in 0..<width where mask[y * width + x] != 0 { sx += x; n += 1 } }
        guard n > 0 else { return nil }
        let column = sx / n
        let smooth = try Gaussian.smooth(meanImage, height: height, width: width, sigma: 2)
        let band = (width + 9) / 10
        let x0 = max(0, column - band), x1 = min(width, column + band + 1)
        var best = Float.infinity, row = height / 4
        for y in (height / 4)..<(3 * height / 4) {
            var sum: Float = 0
            for x in x0..<x1 { sum += smooth[y * width + x] }
            let mean = sum / Float(x1 - x0)
            if mean < best { best = mean; row = y }
        }
        return KneeAnchor(row: row, column: column)
    }
}

/// What the imaging chain found about where the knee lies in a volume's plane, for the
/// classifier's field of view: the foreground mask (h×w, non-zero = knee) and the joint-line
/// anchor. Either may be missing (a run without the knee foreground, an empty mask).
public struct KneeLandmarks: Sendable, Equatable {
    public var foreground: [UInt8]?
    public var anchor: KneeAnchor?
    public init(foreground: [UInt8]? = nil, anchor: KneeAnchor? = nil) { self.foreground = foreground; self.anchor = anchor }
}
