import Common
import Foundation
import Imaging

/// Reads a job's volume artifacts back as values, in either format: float32 `.npy` as stored,
/// compact uint8 `.npy.gz` dequantised with the record in the job's metrics
/// (`ArtifactQuantisation`). Only under the artifact root, following no symlink (`ArtifactTree`).
public enum ArtifactReader {
    /// The volume artifact at `relative` (key `key` in the job's artifacts).
    /// - Parameter quantisation: the job's `artifact_quantisation` records (from its metrics).
    /// - Throws: `CommonError` for a refused or unreadable path, `ImagingError` for a bad file,
    ///   `PipelineError(.input)` for a compact volume without a fitting quantisation record
    ///   (never read as if its bytes were its values).
    public static func volume(_ relative: String, key: String, root: String,
                              quantisation: [String: ArtifactQuantisation]?) throws -> Volume {
        let bytes = try ArtifactTree.read(relative, root: root, budget: 4 << 30)
        let stored = try VolumeReader.read(bytes: bytes, name: relative).volume
        guard relative.lowercased().hasSuffix(".npy.gz"), key != ArtifactLayout.Artifact.mask.key else { return stored }
        guard let q = quantisation?[key] else {
            throw PipelineError(.input, "compact artifact \(relative.prefix(200)) has no quantisation record in its job's metrics")
        }
        return try q.dequantise(stored, name: relative)
    }

    /// The `artifact_quantisation` records of a job's metrics JSON (nil for none or unreadable
    /// metrics; `volume` then refuses compact volumes).
    public static func quantisation(metricsJSON: String?) -> [String: ArtifactQuantisation]? {
        metricsJSON.flatMap(ReportAssembler.decodeMetrics)?.artifactQuantisation
    }
}
