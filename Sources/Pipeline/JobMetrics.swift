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
    /// P(ACL tear) when a model ran.
    public var probability: Double?

    enum CodingKeys: String, CodingKey {
        case stagesMs = "stages_ms", preprocess, variant, aclRetention = "acl_retention", probability
    }
}
