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
}
