import Classifier
import Common
import Foundation
import Imaging
import Queue

/// The training set of a preprocessing run: for every succeeded, labelled job, the artifact the
/// run's variant feeds the classifier (segmented base images for `seg`, base images for `nmf`,
/// resampled raw slices for `raw`).
public enum RunTrainingSet {
    /// The artifact key each variant trains on.
    public static func artifactKey(_ variant: Variant) -> String {
        switch variant {
        case .seg: return "segmented"
        case .nmf: return "base"
        case .raw: return "raw"
        }
    }

    /// Loads the samples, ordered by (dataset, case id).
    /// - Returns: samples, a SHA-256 identifying the training data (run configuration plus
    ///   every (dataset, case, input SHA-256, label)), and the jobs left out with why.
    /// - Throws: `PipelineError(.input)` when no usable sample remains or an artifact is
    ///   unreadable.
    public static func load(run: RunInfo, jobs: [JobRecord], artifactRoot: String)
        throws -> (samples: [TrainingSample], dataSHA256: String, skipped: [String]) {
        let config = try PipelineConfig.of(run)
        let key = artifactKey(config.variant)
        var samples: [TrainingSample] = []
        var skipped: [String] = []
        var hasher = SHA256()
        hasher.update(string: run.configSHA256 + "\n")
        for job in jobs {
            guard job.state == .succeeded else { skipped.append("\(job.dataset)/\(job.caseId): \(job.state)"); continue }
            guard let label = job.label, label == 0 || label == 1 else { skipped.append("\(job.dataset)/\(job.caseId): no label"); continue }
            guard let artifacts = job.artifactsJSON.flatMap(ReportAssembler.decodeArtifacts), let rel = artifacts[key] else {
                skipped.append("\(job.dataset)/\(job.caseId): no \(key) artifact"); continue
            }
            let volume: Volume
            let quantisation = ArtifactReader.quantisation(metricsJSON: job.metricsJSON)
            do { volume = try ArtifactReader.volume(rel, key: key, root: artifactRoot, quantisation: quantisation) } catch {
                throw PipelineError(.input, "training artifact of \(job.dataset)/\(job.caseId.prefix(80)): \(error)")
            }
            var landmarks = KneeLandmarks()
            do {
                if let maskRel = artifacts["mask"] {
                    landmarks.foreground = TrainingSet.foreground(mask: try ArtifactReader.volume(maskRel, key: "mask", root: artifactRoot,
                                                                                                  quantisation: nil))
                }
                if let json = job.metricsJSON { landmarks.anchor = try TrainingSet.anchor(metricsJSON: Data(json.utf8)) }
            } catch {
                throw PipelineError(.input, "knee landmarks of \(job.dataset)/\(job.caseId.prefix(80)): \(error)")
            }
            samples.append(TrainingSample(id: "\(job.dataset)/\(job.caseId)", input: volume, label: label, sha256: job.inputSHA256,
                                          landmarks: landmarks))
            hasher.update(string: [job.dataset, job.caseId, job.inputSHA256 ?? "-", String(label)].joined(separator: "\t") + "\n")
        }
        guard !samples.isEmpty else {
            throw PipelineError(.input, "run \"\(run.name.prefix(80))\" has no succeeded, labelled jobs to train on (\(jobs.count) jobs)")
        }
        return (samples, Hex.encode(hasher.finalize()), skipped)
    }
}
