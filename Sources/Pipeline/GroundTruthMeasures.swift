import Imaging

/// What one case's ground truth says about the imaging chain: where the ACL's signal goes from
/// the raw volume through the NMF base image that carries it to that image's foreground mask and
/// segmentation. Ground truth is for measuring only; nothing here feeds training or inference.
///
/// Notation: the volume V (S slices × H × W), the chain's result (K base images H_k, their
/// foreground masks F_k, segmented images G_k, NMF weights W, S × K), the 3-D ACL mask A (S × H × W,
/// non-zero = ACL) and the body mask B (H × W, 0 = air on every slice). P is the ACL projected onto
/// the sagittal plane: the pixels that A marks on any slice.
public struct CaseMeasures: Codable, Sendable, Equatable {
    /// k* = argmax_k Σ_s a(s)·W[s,k]·mean(H_k), a(s) = ACL voxels on slice s: the base image whose
    /// contribution to the ACL's slices is largest (W[s,k]·mean(H_k) is base image k's share of
    /// slice s's mean intensity). Ties go to the lowest k.
    public var kStar: Int
    /// |A|: ACL voxels in the volume.
    public var aclVoxels: Int
    /// |P|: pixels of the projected ACL.
    public var aclPixels: Int
    /// |P ∩ F_{k*}|: projected ACL pixels inside k*'s foreground mask.
    public var coveredPixels: Int
    /// |P ∩ F_{k*}| / |P|, in [0, 1].
    public var coverage: Double
    /// |{B = 0} ∩ F_{k*}| / |{B = 0}|: the share of the air inside k*'s foreground mask, in
    /// [0, 1]; 0 when the body mask has no air.
    public var air: Double
    /// |F_{k*}| / (H·W).
    public var foregroundFraction: Double
    /// |P ∩ {G_{k*} ≠ 0}| / |P|: the share of the projected ACL the segmentation keeps in k*.
    public var kept: Double
    /// Oracle tear scores (higher = more likely torn).
    public var scores: OracleScores

    public init(kStar: Int, aclVoxels: Int, aclPixels: Int, coveredPixels: Int, coverage: Double, air: Double,
                foregroundFraction: Double, kept: Double, scores: OracleScores) {
        self.kStar = kStar; self.aclVoxels = aclVoxels; self.aclPixels = aclPixels; self.coveredPixels = coveredPixels
        self.coverage = coverage; self.air = air; self.foregroundFraction = foregroundFraction; self.kept = kept
        self.scores = scores
    }

    enum CodingKeys: String, CodingKey {
        case kStar = "k_star", aclVoxels = "acl_voxels", aclPixels = "acl_pixels", coveredPixels = "covered_pixels"
        case coverage, air, foregroundFraction = "foreground_fraction", kept, scores
    }
}

/// Tear scores that read the ligament through the ground-truth mask (an oracle: they show how much
/// signal each stage leaves, not what a classifier can reach). A torn ACL is brighter than an
/// intact one, so a higher score means "more likely torn".
public struct OracleScores: Codable, Sendable, Equatable {
    /// mean(V on A) / mean(V): the ligament's brightness in the raw volume.
    public var raw: Double
    /// mean(H_{k*} on P) / mean(H_{k*}) (0 when H_{k*} is all zero).
    public var base: Double
    /// −kept: an intact ligament is dark and falls in the kept (darkest) clusters, a torn one is
    /// brighter and dropped, so a lower kept share indicates a tear.
    public var segKept: Double
    /// mean(G_{k*} on P) / mean(G_{k*}) (0 when G_{k*} is all zero). Kept intensities are the
    /// darkest, so this score mixes "brighter" with "dropped" and its direction is not fixed.
    public var segRatio: Double

    public init(raw: Double, base: Double, segKept: Double, segRatio: Double) {
        self.raw = raw; self.base = base; self.segKept = segKept; self.segRatio = segRatio
    }

    enum CodingKeys: String, CodingKey {
        case raw, base, segKept = "seg_kept", segRatio = "seg_ratio"
    }
}

/// Computes `CaseMeasures` for one case (pure functions on buffers).
public enum GroundTruthMeasures {
    /// The measures of one case.
    /// - Parameters:
    ///   - volume: the raw volume V (S × H × W) the chain ran on.
    ///   - result: `Preprocessor.run(volume, …)`.
    ///   - aclMask: A, S × H × W, non-zero = ACL.
    ///   - bodyMask: B, 1 × H × W, 0 = air.
    /// - Throws: `PipelineError(.input)` when the shapes disagree or the ACL mask marks nothing.
    public static func measure(volume: Volume, result: PreprocessResult, aclMask: Volume, bodyMask: Volume) throws -> CaseMeasures {
        try measure(volume: volume, base: result.base, masks: result.masks, segmented: result.segmented,
                    weights: result.weights, aclMask: aclMask, bodyMask: bodyMask)
    }

    /// The measures of one case from the chain's outputs.
    /// - Parameters:
    ///   - volume: V, S × H × W.
    ///   - base: the K base images H_k, K × H × W.
    ///   - masks: the foreground masks F_k, K·H·W bytes, non-zero = foreground.
    ///   - segmented: the segmented images G_k, K × H × W, 0 = not kept.
    ///   - weights: W, S × K row-major.
    ///   - aclMask: A, S × H × W, non-zero = ACL.
    ///   - bodyMask: B, 1 × H × W, 0 = air.
    /// - Throws: `PipelineError(.input)` when the shapes disagree or the ACL mask marks nothing.
    public static func measure(volume: Volume, base: Volume, masks: [UInt8], segmented: Volume, weights: [Float],
                               aclMask: Volume, bodyMask: Volume) throws -> CaseMeasures {
        let s = volume.slices, n = volume.sliceSize, k = base.slices
        guard aclMask.slices == s, aclMask.height == volume.height, aclMask.width == volume.width else {
            throw PipelineError(.input, "ACL mask is \(aclMask.slices)×\(aclMask.height)×\(aclMask.width), volume is \(s)×\(volume.height)×\(volume.width)")
        }
        guard bodyMask.slices == 1, bodyMask.height == volume.height, bodyMask.width == volume.width else {
            throw PipelineError(.input, "body mask is \(bodyMask.slices)×\(bodyMask.height)×\(bodyMask.width), volume slices are \(volume.height)×\(volume.width)")
        }
        guard base.height == volume.height, base.width == volume.width, segmented.slices == k,
              segmented.height == volume.height, segmented.width == volume.width, masks.count == k * n else {
            throw PipelineError(.input, "preprocessing result does not match the volume's shape")
        }
        let kStar = try kStar(aclMask: aclMask, weights: weights, base: base)
        let projection = project(aclMask)
        let pixels = projection.reduce(0) { $0 + ($1 ? 1 : 0) }
        let voxels = aclMask.data.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }

        let fg = masks[(kStar * n)..<((kStar + 1) * n)]
        let h = base.data[(kStar * n)..<((kStar + 1) * n)]
        let g = segmented.data[(kStar * n)..<((kStar + 1) * n)]
        var covered = 0, keptPixels = 0, airPixels = 0, airIn = 0, foreground = 0
        var hOnP = 0.0, hSum = 0.0, gOnP = 0.0, gSum = 0.0
        for i in 0..<n {
            let inFG = fg[fg.startIndex + i] != 0
            let hv = Double(h[h.startIndex + i]), gv = Double(g[g.startIndex + i])
            hSum += hv; gSum += gv
            if inFG { foreground += 1 }
            if bodyMask.data[i] == 0 { airPixels += 1; if inFG { airIn += 1 } }
            if projection[i] {
                if inFG { covered += 1 }
                if gv != 0 { keptPixels += 1 }
                hOnP += hv; gOnP += gv
            }
        }
        var vOnA = 0.0, vSum = 0.0
        for i in 0..<volume.data.count {
            let v = Double(volume.data[i])
            vSum += v
            if aclMask.data[i] != 0 { vOnA += v }
        }
        let p = Double(pixels)
        let ratio = { (onMask: Double, count: Double, total: Double, all: Double) -> Double in
            total == 0 ? 0 : (onMask / count) / (total / all)
        }
        let kept = Double(keptPixels) / p
        return CaseMeasures(
            kStar: kStar, aclVoxels: voxels, aclPixels: pixels, coveredPixels: covered,
            coverage: Double(covered) / p,
            air: airPixels == 0 ? 0 : Double(airIn) / Double(airPixels),
            foregroundFraction: Double(foreground) / Double(n),
            kept: kept,
            scores: OracleScores(raw: ratio(vOnA, Double(voxels), vSum, Double(volume.data.count)),
                                 base: ratio(hOnP, p, hSum, Double(n)),
                                 segKept: -kept,
                                 segRatio: ratio(gOnP, p, gSum, Double(n))))
    }

    /// k* = argmax_k Σ_s a(s)·W[s,k]·mean(H_k), a(s) = non-zero voxels of `aclMask` on slice s;
    /// ties go to the lowest k.
    /// - Parameters:
    ///   - weights: W, S × K row-major.
    ///   - base: the K base images H_k.
    /// - Throws: `PipelineError(.input)` when the mask marks no voxel or W's size is not S × K.
    public static func kStar(aclMask: Volume, weights: [Float], base: Volume) throws -> Int {
        let s = aclMask.slices, n = aclMask.sliceSize, k = base.slices
        guard weights.count == s * k else {
            throw PipelineError(.input, "NMF weights hold \(weights.count) values for \(s) slices × \(k) base images")
        }
        var a = [Double](repeating: 0, count: s)
        for sl in 0..<s { for i in 0..<n where aclMask.data[sl * n + i] != 0 { a[sl] += 1 } }
        guard a.contains(where: { $0 > 0 }) else { throw PipelineError(.input, "the ACL mask marks no voxel") }
        var best = 0, bestValue = -Double.infinity
        for c in 0..<k {
            var mean = 0.0
            for i in 0..<base.sliceSize { mean += Double(base.data[c * base.sliceSize + i]) }
            mean /= Double(base.sliceSize)
            var value = 0.0
            for sl in 0..<s { value += a[sl] * Double(weights[sl * k + c]) }
            value *= mean
            if value > bestValue { best = c; bestValue = value }
        }
        return best
    }

    /// P: true where the mask is non-zero on any slice (H·W, row-major).
    public static func project(_ mask: Volume) -> [Bool] {
        let n = mask.sliceSize
        var p = [Bool](repeating: false, count: n)
        for s in 0..<mask.slices { for i in 0..<n where mask.data[s * n + i] != 0 { p[i] = true } }
        return p
    }
}
