import ArgumentParser
import Classifier
import Foundation
import Phantom
import Pipeline
import Postgres
import Queue

/// `kneeflow demo` (what `make demo` runs): the whole product on a fresh machine — the embedded
/// database, a synthetic cohort, preprocessing of `train` by worker processes, training, evaluation
/// of `site-a` and `site-b` in the `seg` and `raw` variants, and the report.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Synthesise a cohort, preprocess, train, evaluate (seg vs raw) and report — end to end.")

    @Option(help: "Working directory for the cohort, models and report (default: <KNEEFLOW_HOME or .kneeflow>/demo).")
    var dir: String?
    @Option(help: "Datasets NAME:COUNT; the first trains, the others are evaluated.")
    var datasets: String = "train:900,site-a:150,site-b:150"
    @Option(help: "In-plane size of the synthetic volumes.") var size: Int = 256
    @Option(help: "Slice-count range LO:HI.") var slices: String = "20:40"
    @Option(help: "Cohort and training seed.") var seed: UInt64 = 7
    @Option(help: "Worker processes.") var workers: Int = 2
    @Option(help: "Training epochs.") var epochs: Int = 24
    @Option(help: "Epochs without a better validation AUC before training stops.") var patience: Int = 8
    @Option(help: "Fraction of each slice's side the classifier sees (1 = whole slice).")
    var cropFraction: Double = 0.375
    @Option(help: "Where that field of view is centred: joint (above the knee's joint line, found by the chain), foreground (the knee's centroid) or image.")
    var cropCentre: Architecture.CropCentre = .joint
    @Option(help: "Network input side in pixels (the field of view is resized to it).") var inputSize: Int = 64
    @Option(help: "Variants to evaluate, comma-separated; the first is reported against the second.")
    var variants: String = "seg,raw"
    @Option(help: "How jobs store their image artifacts: compact (default) or full (float32).")
    var artifactFormat: ArtifactFormat = .compact
    @Flag(name: .customLong("no-cache"), help: "Recompute every job's preprocessing (no stage cache): the raw runs then redo the seg runs' NMF and segmentation.")
    var noCache = false

    func validate() throws {
        guard workers >= 1 else { throw ValidationError("--workers must be ≥ 1") }
        guard size >= 32 else { throw ValidationError("--size must be ≥ 32") }
        guard cropFraction > 0, cropFraction <= 1 else { throw ValidationError("--crop-fraction must be in (0, 1]") }
        guard epochs >= 1, patience >= 1 else { throw ValidationError("--epochs and --patience must be ≥ 1") }
        guard (16...1024).contains(inputSize) else { throw ValidationError("--input-size must be in 16…1024") }
        let v = variants.split(separator: ",").map(String.init)
        guard !v.isEmpty, v.allSatisfy({ Variant(rawValue: $0) != nil }) else {
            throw ValidationError("--variants takes raw, nmf, seg (comma-separated)")
        }
    }

    func run() throws {
        let started = Date()
        let log = CLILogging.logger("kneeflow.demo")
        let work = ArtifactRoot.absolute(dir ?? DatabaseLocator.embeddedHome() + "/demo")
        let artifacts = ArtifactRoot.resolve(nil)

        // 1. Database (embedded unless DATABASE_URL is set).
        Demo.step("database")
        let (conn, url) = try QueueDatabase.open(logger: log)
        defer { conn.close() }

        // 2. Cohort.
        let parts = slices.split(separator: ":").compactMap { Int($0) }
        guard parts.count == 2, parts[0] >= 1, parts[1] >= parts[0] else { throw ValidationError("--slices expects LO:HI") }
        let spec = CohortSpec(datasets: try CohortSpec.parseDatasets(datasets), seed: seed, size: size,
                              slices: parts[0]...parts[1])
        let cohort = work + "/cohort"
        try Demo.ensureCohort(spec, at: cohort, key: "\(datasets)|\(size)|\(slices)|\(seed)")
        let trainSet = spec.datasets[0].name
        let evalSets = spec.datasets.dropFirst().map(\.name)

        let coordinator = Coordinator(connection: conn, logger: log)
        let reader = ResultsReader(connection: conn)
        var evalRuns: [String] = []
        var reused = 0
        for variantName in variants.split(separator: ",").map(String.init) {
            var config = PipelineConfig()
            config.variant = Variant(rawValue: variantName)!
            if artifactFormat != .compact { config.artifactFormat = artifactFormat }
            if noCache { config.cache = false }
            let configJSON = try config.canonicalJSON()

            // 3. Preprocess the training set.
            // --no-cache runs have their own names: a run's configuration (which records the flag)
            // cannot change, and a home may hold the demo's cached runs already.
            let suffix = noCache ? "-nocache" : ""
            let trainRun = "demo-\(variantName)-\(trainSet)\(suffix)"
            Demo.step("preprocess \(trainSet) (\(variantName)) with \(workers) workers → run \(trainRun)")
            let t = try RunSetup.enqueue(coordinator: coordinator, runName: trainRun, configJSON: configJSON,
                                         codeVersion: KneeFlowVersion.string, modelPath: nil,
                                         datasets: [(trainSet, cohort + "/" + trainSet)])
            Demo.report(t)
            try Demo.runWorkers(workers, run: trainRun, url: url, artifacts: artifacts, conn: conn)
            reused += try Demo.workLine(reader, run: trainRun)

            // 4. Train.
            let modelPath = work + "/model-\(variantName).safetensors"
            Demo.step("train the \(variantName) classifier → \(modelPath)")
            let run = try reader.run(named: trainRun)!
            var options = TrainOptions()
            options.seed = seed
            options.epochs = epochs; options.patience = patience
            options.architecture.cropFraction = cropFraction
            options.architecture.cropCentre = cropCentre
            options.architecture.inputSize = inputSize
            // The segmented images are read as what the segmentation kept; the others as intensities.
            options.architecture.inputEncoding = config.variant == .seg ? .support : .intensity
            let trained = try RunTraining.train(run: run, jobs: try reader.jobs(runId: run.id), artifactRoot: artifacts,
                                                options: options, out: modelPath, log: Demo.err)

            // 5. Evaluate the other datasets with the model.
            let evalRun = "demo-\(variantName)-eval-\(trained.modelSHA256.prefix(8))\(suffix)"
            Demo.step("evaluate \(evalSets.joined(separator: ", ")) (\(variantName)) with \(workers) workers → run \(evalRun)")
            let e = try RunSetup.enqueue(coordinator: coordinator, runName: evalRun, configJSON: configJSON,
                                         codeVersion: KneeFlowVersion.string, modelPath: modelPath,
                                         datasets: evalSets.map { ($0, cohort + "/" + $0) })
            Demo.report(e)
            try Demo.runWorkers(workers, run: evalRun, url: url, artifacts: artifacts, conn: conn)
            reused += try Demo.workLine(reader, run: evalRun)
            evalRuns.append(evalRun)
        }

        // 6. Report.
        let reportDir = work + "/report"
        Demo.step("report → \(reportDir)")
        func load(_ name: String) throws -> (RunInfo, [JobRecord]) {
            let r = try reader.run(named: name)!
            return (r, try reader.jobs(runId: r.id))
        }
        let output = try ReportWriter.write(run: try load(evalRuns[0]), compare: try evalRuns.count > 1 ? load(evalRuns[1]) : nil,
                                            artifactRoot: artifacts, outDir: reportDir, title: "KneeFlow demo")
        print(output.report.summaryTable(), terminator: "")
        print("report: \(reportDir)/report.html")
        try Demo.pruneSuperseded(current: evalRuns, variants: variants.split(separator: ",").map(String.init),
                                 reader: reader, artifacts: artifacts)
        print("jobs that reused cached preprocessing: \(reused)\(noCache ? " (--no-cache)" : "")")
        print(String(format: "demo wall time: %.1f s", Date().timeIntervalSince(started)))
    }
}
