import Common
import Foundation
import Imaging

/// What the classifier sees, for ablations: raw slices resampled to K, the NMF base images, or
/// the segmented base images (the method; default).
public enum Variant: String, Codable, Sendable, CaseIterable {
    case raw, nmf, seg
}

struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// A cluster range [start, end) kept by the segmentation, per evaluation dataset.
public struct ClusterRange: Codable, Sendable, Equatable {
    public var start: Int
    public var end: Int
    public init(start: Int, end: Int) { self.start = start; self.end = end }

    /// Parses `start:end`.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let s = Int(parts[0]), let e = Int(parts[1]), s >= 0, e > s else { return nil }
        self.init(start: s, end: e)
    }
}

/// The complete configuration of a run, stored on the run as JSON with its SHA-256 so that a
/// report names exactly what produced it. Every number of the method lives here.
public struct PipelineConfig: Codable, Sendable, Equatable {
    /// Schema version of this structure.
    public var version: Int = 1
    /// What the classifier sees.
    public var variant: Variant = .seg
    /// Volume reading: the plane to read (NIfTI: the storage axis closest to its normal in the
    /// affine; DICOM: the series of that orientation), an explicit NIfTI storage axis (0, 1 or 2)
    /// overriding the plane, and the memory budget checked before allocating a volume.
    public var plane: AnatomicalPlane = .sagittal
    public var sliceAxis: Int? = nil
    public var memoryBudgetBytes: Int = 2 << 30
    /// Negative samples in the read volume: clip (default; fraction in the job's metrics),
    /// shift or refuse.
    public var negativeSamples: NegativeSamplePolicy = .clip
    /// NMF, slice preprocessing and segmentation settings.
    public var preprocess: PreprocessOptions = PreprocessOptions()
    /// Kept cluster range per dataset, overriding `preprocess.segmentation` for that dataset
    /// (the right range depends on the recording technique).
    public var keepPerDataset: [String: ClusterRange] = [:]
    /// Write the per-job preview montage (base | mask | segmentation).
    public var writePreview: Bool = true
    /// Write class-activation-map overlays when a model is configured.
    public var writeCAM: Bool = true
    /// Seconds one job may run before its worker abandons it and fails the attempt with a
    /// `deadline` error (the queue reads this key; `kneeflow work --deadline` overrides it).
    /// Absent: the worker's default (1 hour). Left out of the canonical JSON when absent, so
    /// configurations without it keep their SHA-256.
    public var deadlineSeconds: Double? = nil
    /// How jobs store their image artifacts (`ArtifactFormat`); absent: compact. Left out of
    /// the canonical JSON when absent, like `deadlineSeconds`.
    public var artifactFormat: ArtifactFormat? = nil
    /// Whether jobs use the stage cache (`kneeflow enqueue --no-cache` stores false: recompute,
    /// read and publish no entry); absent: on. Left out of the canonical JSON when absent, like
    /// `deadlineSeconds`, and never part of a `StageCacheKey`.
    public var cache: Bool? = nil

    public init() {}

    /// Whether jobs of this configuration read and publish stage-cache entries.
    public var cacheEnabled: Bool { cache ?? true }

    /// The format jobs of this configuration write.
    public var effectiveArtifactFormat: ArtifactFormat { artifactFormat ?? .compact }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case version, variant, plane, sliceAxis, memoryBudgetBytes, negativeSamples, preprocess, keepPerDataset, writePreview, writeCAM,
             deadlineSeconds, artifactFormat, cache
    }

    /// Missing keys take their defaults (a config file states only what it changes); unknown
    /// keys are an error.
    public init(from decoder: any Decoder) throws {
        let probe = try decoder.container(keyedBy: AnyKey.self)
        let known = Set(CodingKeys.allCases.map(\.stringValue))
        if let unknown = probe.allKeys.map(\.stringValue).sorted().first(where: { !known.contains($0) }) {
            throw PipelineError(.config, "unknown configuration key '\(unknown)'")
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = PipelineConfig()
        version = try c.decodeIfPresent(Int.self, forKey: .version) ?? d.version
        variant = try c.decodeIfPresent(Variant.self, forKey: .variant) ?? d.variant
        plane = try c.decodeIfPresent(AnatomicalPlane.self, forKey: .plane) ?? d.plane
        sliceAxis = try c.decodeIfPresent(Int.self, forKey: .sliceAxis) ?? d.sliceAxis
        memoryBudgetBytes = try c.decodeIfPresent(Int.self, forKey: .memoryBudgetBytes) ?? d.memoryBudgetBytes
        negativeSamples = try c.decodeIfPresent(NegativeSamplePolicy.self, forKey: .negativeSamples) ?? d.negativeSamples
        preprocess = try c.decodeIfPresent(PreprocessOptions.self, forKey: .preprocess) ?? d.preprocess
        keepPerDataset = try c.decodeIfPresent([String: ClusterRange].self, forKey: .keepPerDataset) ?? d.keepPerDataset
        writePreview = try c.decodeIfPresent(Bool.self, forKey: .writePreview) ?? d.writePreview
        writeCAM = try c.decodeIfPresent(Bool.self, forKey: .writeCAM) ?? d.writeCAM
        deadlineSeconds = try c.decodeIfPresent(Double.self, forKey: .deadlineSeconds)
        artifactFormat = try c.decodeIfPresent(ArtifactFormat.self, forKey: .artifactFormat)
        cache = try c.decodeIfPresent(Bool.self, forKey: .cache)
        if let s = deadlineSeconds, !(s > 0 && s.isFinite) { throw PipelineError(.config, "deadlineSeconds must be a positive number of seconds") }
        if let sliceAxis, !(0...2).contains(sliceAxis) { throw PipelineError(.config, "sliceAxis must be 0, 1 or 2") }
        for (name, r) in keepPerDataset where r.start < 0 || r.end <= r.start {
            throw PipelineError(.config, "keepPerDataset[\(name)] must satisfy 0 ≤ start < end")
        }
    }

    /// How the chain reads its inputs.
    public var readOptions: VolumeReadOptions {
        VolumeReadOptions(sliceAxis: sliceAxis, plane: plane, memoryBudgetBytes: memoryBudgetBytes)
    }

    /// The preprocessing options for one dataset (its kept cluster range applied).
    public func preprocessOptions(dataset: String) -> PreprocessOptions {
        var options = preprocess
        if let range = keepPerDataset[dataset] {
            options.segmentation.keepStart = range.start
            options.segmentation.keepEnd = range.end
        }
        return options
    }

    /// Canonical JSON (sorted keys) — the bytes stored on the run and hashed.
    public func canonicalJSON() throws -> String { try CanonicalJSON.string(self) }

    /// SHA-256 of `canonicalJSON()`.
    public func sha256() throws -> String { SHA256.hex(string: try canonicalJSON()) }

    /// Decodes a stored configuration; unknown keys are rejected so a typo in a config file is
    /// an error, not a silently ignored setting.
    public static func decode(json: String) throws -> PipelineConfig {
        do { return try JSONDecoder().decode(PipelineConfig.self, from: Data(json.utf8)) }
        catch { throw PipelineError(.config, "invalid pipeline configuration: \(error)") }
    }
}
