import Imaging

/// The metrics JSON stored on a job's result row (and as metrics.json beside its artifacts).
public struct JobMetrics: Codable, Sendable {
    /// Milliseconds per stage: read, nmf, slice, segmentation, write, classify, … .
    public var stagesMs: [String: Double]
    /// The imaging chain's own metrics (NMF iterations and error, thresholds, fractions).
    public var preprocess: PreprocessMetrics
    /// What the classifier saw.
    public var variant: String
    /// Fraction of the ground-truth ACL (projected onto the sagittal plane) that the kept
    /// clusters retain in at least one base image; nil without ground truth.
    public var aclRetention: Double?
    /// Fraction of the projected ground-truth ACL inside the foreground mask; nil without ground
    /// truth.
    public var aclCoverage: Double?
    /// Whether the class-activation peak lies on the ground-truth ligament (dilated by
    /// `ACLRetention.camRadius` px); nil without ground truth or without a model.
    public var camPeakOnACL: Bool?
    /// P(ACL tear) when a model ran.
    public var probability: Double?
    /// What the read stage found: format, notes, geometry, negative samples (fraction clipped).
    public var input: InputReport?
    /// Compact artifacts: per quantised artifact key (`base`, `segmented`, `raw`), how its
    /// stored uint8 samples map back to values. Absent in the full format.
    public var artifactQuantisation: [String: ArtifactQuantisation]? = nil
    /// Whether the preprocessing stages' outputs came from the stage cache (`CacheRecord`);
    /// absent in results from before the cache.
    public var cache: CacheRecord? = nil

    enum CodingKeys: String, CodingKey {
        case stagesMs = "stages_ms", preprocess, variant, aclRetention = "acl_retention", aclCoverage = "acl_coverage",
             camPeakOnACL = "cam_peak_on_acl", probability, input, artifactQuantisation = "artifact_quantisation", cache
    }
}
