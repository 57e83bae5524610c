import Classifier
import Common
import Foundation
import Queue

/// Trains a classifier on the artifacts of a preprocessing run (`kneeflow train --from-run`,
/// `kneeflow demo`) and saves it with its provenance.
public enum RunTraining {
    /// What training produced.
    public struct Outcome {
        public let trained: TrainedModel
        public let modelPath: String
        public let modelSHA256: String
        public let samples: Int
        public let skipped: [String]
    }

    /// Loads the run's training set, trains, and writes `out` (safetensors) atomically. The model's
    /// metadata records the run's name, variant and configuration SHA-256 and the training data's
    /// SHA-256.
    public static func train(run: RunInfo, jobs: [JobRecord], artifactRoot: String, options: TrainOptions,
                             out: String, log: (String) -> Void) throws -> Outcome {
        let set = try RunTrainingSet.load(run: run, jobs: jobs, artifactRoot: artifactRoot)
        let config = try PipelineConfig.of(run)
        var options = options
        options.pipelineConfigSHA256 = run.configSHA256
        log("training on \(set.samples.count) volumes of run \(run.name) (variant \(config.variant.rawValue); \(set.skipped.count) jobs left out)")
        let trained = try Training.train(samples: set.samples, options: options, log: log)
        try trained.model.save(path: out, metadata: [
            "training_run": run.name,
            "variant": config.variant.rawValue,
            "pipeline_config_sha256": run.configSHA256,
            "training_data_sha256": set.dataSHA256,
        ])
        let sha = try SHA256.file(at: out).hex
        return Outcome(trained: trained, modelPath: out, modelSHA256: sha, samples: set.samples.count, skipped: set.skipped)
    }

    /// Scores every usable sample of a preprocessing run with `model` (held-out evaluation
    /// without re-running the chain: the run's stored artifacts are the model's input).
    /// - Returns: per dataset (sorted by name), the AUC of P(tear) against the labels (nil with
    ///   one class only).
    /// - Throws: what loading the run's artifacts throws; `ClassifierError` when the model needs
    ///   a foreground mask the run did not store.
    public static func score(model: Model, run: RunInfo, jobs: [JobRecord], artifactRoot: String) throws -> [(String, Double?)] {
        let set = try RunTrainingSet.load(run: run, jobs: jobs, artifactRoot: artifactRoot)
        var byDataset: [String: (scores: [Double], labels: [Int])] = [:]
        for s in set.samples {
            let dataset = String(s.id.prefix { $0 != "/" })
            let p = try model.predict(s.input, landmarks: s.landmarks)
            byDataset[dataset, default: ([], [])].scores.append(p)
            byDataset[dataset, default: ([], [])].labels.append(s.label)
        }
        return byDataset.keys.sorted().map { ($0, rocAUC(scores: byDataset[$0]!.scores, labels: byDataset[$0]!.labels)) }
    }
}
