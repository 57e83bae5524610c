import ArgumentParser
import Classifier
import Foundation
import Pipeline
import Queue

/// `kneeflow train`: trains the MRNet-style classifier on `kneeflow preprocess` outputs and
/// writes a safetensors model. Progress (one line per epoch) goes to stderr; a JSON summary to
/// stdout.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the ACL classifier on preprocessed base images; writes model.safetensors.")

    @Option(name: .customLong("from-run"), help: "Train on the artifacts of this preprocessing run's succeeded jobs (labels from the jobs).")
    var fromRun: String?

    @Option(help: "Artifact root for --from-run (default: $KNEEFLOW_ARTIFACTS or <KNEEFLOW_HOME>/artifacts).")
    var artifacts: String?

    @Option(help: "Directory of preprocess outputs: DIR/<case>/segmented.npy (float32 K×h×w).")
    var data: String?

    @Option(help: "Labels CSV for --data: lines \"case,label\" (label 0/1), optional header.")
    var labels: String?

    @Option(help: "Output model file (safetensors).")
    var out: String

    @Option(help: "Fraction of each class held out for validation AUC and early stopping.")
    var valFraction: Double = 0.2

    @Option(help: "Maximum epochs (early stopping may end sooner).")
    var epochs: Int = 12

    @Option(help: "Seed for initialisation, split, shuffling, augmentation and dropout.")
    var seed: UInt64 = 0

    @Option(help: "Worker threads (results are deterministic for a given seed and thread count).")
    var threads: Int = 2

    @Option(help: "Volumes per optimiser step.")
    var batchSize: Int = 8

    @Option(help: "Peak learning rate (cosine decay).")
    var learningRate: Float = 1e-3

    @Option(help: "Network input side in pixels (slices are resized to it).")
    var inputSize: Int = 128

    @Option(help: "Central fraction of each slice's height and width kept before resizing (0 < f ≤ 1; recorded in the model, applied at inference too).")
    var cropFraction: Double = 1

    @Option(help: "Where the crop is centred: image (the slice centre) or foreground (the knee found by the imaging chain, from each case's mask.npy).")
    var cropCentre: Architecture.CropCentre = .image

    @Option(help: "Batch-norm statistics: volume (each volume's own), running, or off (a per-channel scale and shift).")
    var batchNorm: Architecture.BatchNormStatistics = .volume

    @Option(help: "Spatial pooling of each slice's feature maps: average (MRNet) or max.")
    var spatialPool: Architecture.SpatialPool = .average

    @Option(help: "What the network reads of each sample: intensity (÷ the volume's 99th percentile) or support (1 where non-zero: the kept clusters of segmented images). Default: support for a seg run (--from-run), else intensity.")
    var inputEncoding: Architecture.InputEncoding?

    @Option(help: "After training, score every succeeded job of this preprocessing run (same variant) and print the AUC per dataset.")
    var testRun: String?

    @Option(help: "Epochs without a better validation AUC before training stops (the best epoch's weights are kept).")
    var patience: Int = 4

    @Flag(inversion: .prefixedNo, help: "Random rotation, shift and flip of each training volume.")
    var augment: Bool = true

    @Option(help: "Augmentation: probability of a left–right flip of a training volume.")
    var flipProbability: Double = Augmentation().flipProbability

    @Option(help: "SHA-256 of the pipeline configuration that produced the inputs (recorded in the model).")
    var pipelineConfigSha256: String?

    @Option(help: "Write class-activation-map overlays (PNG) of up to 8 validation cases into this directory.")
    var camDir: String?

    func validate() throws {
        guard (fromRun != nil) != (data != nil) else { throw ValidationError("give either --from-run RUN or --data DIR --labels CSV") }
        if data != nil, labels == nil { throw ValidationError("--data needs --labels") }
        guard valFraction >= 0, valFraction < 1 else { throw ValidationError("--val-fraction must be in [0, 1)") }
        guard epochs >= 1, threads >= 1, threads <= 64, batchSize >= 1 else {
            throw ValidationError("--epochs, --batch-size ≥ 1; --threads in 1…64")
        }
        guard learningRate > 0 else { throw ValidationError("--learning-rate must be positive") }
        guard (16...1024).contains(inputSize) else { throw ValidationError("--input-size must be in 16…1024") }
        guard patience >= 1 else { throw ValidationError("--patience must be ≥ 1") }
        guard (0...1).contains(flipProbability) else { throw ValidationError("--flip-probability must be in [0, 1]") }
        guard cropFraction > 0, cropFraction <= 1 else { throw ValidationError("--crop-fraction must be in (0, 1]") }
    }

    func run() throws {
        // OpenBLAS kernels: tuned once for every command in KneeFlow.main.
        var options = TrainOptions()
        options.architecture.inputSize = inputSize
        options.architecture.cropFraction = cropFraction
        options.architecture.cropCentre = cropCentre
        options.architecture.batchNorm = batchNorm
        options.architecture.spatialPool = spatialPool
        options.architecture.inputEncoding = inputEncoding ?? .intensity
        options.epochs = epochs; options.seed = seed; options.threads = threads
        options.validationFraction = valFraction; options.batchSize = batchSize
        options.learningRate = learningRate; options.pipelineConfigSHA256 = pipelineConfigSha256
        options.patience = patience
        options.augmentation.flipProbability = flipProbability
        if !augment { options.augmentation = .none }
        if let fromRun {
            try trainFromRun(fromRun, options: options)
            return
        }
        let samples = try TrainingSet.load(directory: data!, labelsCSV: labels!)
        FileHandle.standardError.write(Data("training on \(samples.count) cases (\(samples.filter { $0.label == 1 }.count) positive), \(threads) threads\n".utf8))
        let trained = try Training.train(samples: samples, options: options) { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        try trained.model.save(path: out)
        if let camDir {
            let byID = Dictionary(uniqueKeysWithValues: samples.map { ($0.id, $0) })
            for id in trained.validationIDs.prefix(8) {
                guard let s = byID[id] else { continue }
                let cam = trained.model.cam(s.input, window: try trained.model.window(for: s.input, landmarks: s.landmarks))
                let dir = URL(fileURLWithPath: camDir).appendingPathComponent(id).path
                try CAMRenderer.writeOverlays(volume: s.input, cam: cam, directory: dir)
                FileHandle.standardError.write(Data(String(format: "CAM %@ label %d  P(tear) %.3f  winning slice %d → %@\n",
                                                           id, s.label, cam.probability, cam.winningSlice, dir).utf8))
            }
        }
        let summary: [String: String] = [
            "model": out,
            "epochs": String(trained.history.count),
            "best_epoch": String(trained.bestEpoch),
            "validation_auc": trained.validationAUC.map { String(format: "%.4f", $0) } ?? "n/a",
            "training_cases": String(trained.trainingIDs.count),
            "validation_cases": String(trained.validationIDs.count),
        ]
        let json = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys, .prettyPrinted])
        print(String(decoding: json, as: UTF8.self))
    }

    /// `--from-run`: the run's succeeded jobs' artifacts (the run's variant decides which) and
    /// labels; the model records the run, its configuration SHA-256 and the training data's SHA-256.
    func trainFromRun(_ name: String, options: TrainOptions) throws {
        let (conn, _) = try QueueDatabase.open(logger: CLILogging.logger("kneeflow.train"))
        defer { conn.close() }
        let reader = ResultsReader(connection: conn)
        guard let run = try reader.run(named: name) else { throw QueueError(.runNotFound, "no run named \"\(name.prefix(80))\"") }
        var options = options
        if inputEncoding == nil, try PipelineConfig.of(run).variant == .seg {
            options.architecture.inputEncoding = .support
        }
        let outcome = try RunTraining.train(run: run, jobs: try reader.jobs(runId: run.id), artifactRoot: ArtifactRoot.resolve(artifacts),
                                            options: options, out: out) { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        let t = outcome.trained
        var summary: [String: String] = [
            "model": out, "model_sha256": outcome.modelSHA256, "run": run.name,
            "epochs": String(t.history.count), "best_epoch": String(t.bestEpoch),
            "validation_auc": t.validationAUC.map { String(format: "%.4f", $0) } ?? "n/a",
            "training_cases": String(t.trainingIDs.count), "validation_cases": String(t.validationIDs.count),
            "left_out": String(outcome.skipped.count),
        ]
        if let testRun {
            guard let test = try reader.run(named: testRun) else { throw QueueError(.runNotFound, "no run named \"\(testRun.prefix(80))\"") }
            let scores = try RunTraining.score(model: t.model, run: test, jobs: try reader.jobs(runId: test.id),
                                               artifactRoot: ArtifactRoot.resolve(artifacts))
            for (dataset, auc) in scores { summary["test_auc." + dataset] = auc.map { String(format: "%.4f", $0) } ?? "n/a" }
        }
        let json = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys, .prettyPrinted])
        print(String(decoding: json, as: UTF8.self))
    }
}

extension Architecture.CropCentre: ExpressibleByArgument {}
extension Architecture.BatchNormStatistics: ExpressibleByArgument {}
extension Architecture.SpatialPool: ExpressibleByArgument {}
extension Architecture.InputEncoding: ExpressibleByArgument {}
