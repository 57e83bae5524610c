import ArgumentParser
import Common
import Foundation
import Logging
import Imaging
import Pipeline
import Queue

/// `kneeflow enqueue`: create a run (its full configuration stored with its SHA-256) and enqueue
/// one job per case.
struct EnqueueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enqueue",
        abstract: "Create a run (config stored with its SHA-256) and enqueue one job per case.",
        discussion: """
            PATH is an MRNet-layout directory (<dir>/<plane>/<case>.npy, labels in <dir>-acl.csv; --plane \
            names the folder as well as the plane NIfTI and DICOM inputs are read in), a \
            manifest CSV with header case,path,label (a path may be .npy, .nii, .nii.gz, a DICOM file or a \
            directory of DICOM series), or one DICOM directory or file (one unlabelled case). Each input is hashed (SHA-256) at enqueue time; a worker \
            refuses an input that changed since. Problems are reported one per line on stderr; the rest is \
            enqueued. Exit code 0: everything enqueued (or already queued); 3: something was skipped.
            The configuration is a pipeline configuration (--config FILE, then the flags below override it); a \
            config with a "handler" key selects a built-in queue handler instead (checksum, noop).
            """)

    @Option(name: .customLong("run"), help: "Run name (enqueueing again into the same run adds only new cases).")
    var runName: String
    @Option(name: .customLong("dataset"), help: "NAME=PATH (repeatable).")
    var datasets: [String] = []
    @Option(help: "Configuration JSON file (pipeline configuration, or {\"handler\": …}).")
    var config: String?
    @Option(help: "Model file (safetensors); its path and SHA-256 are stored on the run. Without it the run preprocesses only.")
    var model: String?
    @Option(help: "What the classifier sees: raw, nmf or seg.") var variant: String?
    @OptionGroup var preprocessing: PreprocessingFlags
    @OptionGroup var inputFlags: InputFlags
    @Option(name: .customLong("keep-dataset"), help: "Kept cluster range for one dataset: NAME=START:END (repeatable).")
    var keepDataset: [String] = []
    @Option(help: "Attempts per job before it fails.") var maxAttempts: Int = 3
    @Option(help: "Directory every input must resolve under (default: each dataset's directory, or its manifest's directory). Inputs outside it are refused, one line each.")
    var inputRoot: String?
    @Option(help: "Per-job deadline in seconds, stored in the run configuration as deadlineSeconds (pipeline configurations; default: the worker's, 1 hour).")
    var deadline: Double?
    @Option(help: "How jobs store their image artifacts: compact (default; uint8 .npy.gz, base and raw quantised per image, a 480 px preview, < 1 MB per 256×256 job) or full (float32 .npy, full-size preview). Stored in the run configuration as artifactFormat.")
    var artifactFormat: ArtifactFormat?
    @Flag(name: .customLong("no-cache"), help: "Recompute NMF and segmentation for every job, reading and publishing no stage-cache entry (stored in the run configuration as \"cache\": false; default: jobs whose preprocessing was computed before reuse it).")
    var noCache = false

    func validate() throws {
        guard !datasets.isEmpty else { throw ValidationError("give at least one --dataset NAME=PATH") }
        for d in datasets + keepDataset where !d.contains("=") || d.hasPrefix("=") || d.hasSuffix("=") {
            throw ValidationError("expected NAME=VALUE, got \(d)")
        }
        guard maxAttempts >= 1 else { throw ValidationError("--max-attempts must be at least 1") }
        if let deadline, !(deadline > 0 && deadline.isFinite) { throw ValidationError("--deadline must be a positive number of seconds") }
        if let variant, Variant(rawValue: variant) == nil { throw ValidationError("--variant takes raw, nmf or seg") }
        for kd in keepDataset where ClusterRange(parsing: String(kd.split(separator: "=", maxSplits: 1)[1])) == nil {
            throw ValidationError("--keep-dataset expects NAME=START:END, got \(kd)")
        }
    }

    func run() throws {
        let log = CLILogging.logger("kneeflow.enqueue")
        let configJSON = try resolvedConfigJSON()
        let (conn, _) = try QueueDatabase.open(logger: log)
        defer { conn.close() }
        let pairs = datasets.map { d -> (name: String, path: String) in
            let eq = d.firstIndex(of: "=")!
            return (String(d[..<eq]), String(d[d.index(after: eq)...]))
        }
        let outcome: RunSetup.Outcome
        do {
            outcome = try RunSetup.enqueue(coordinator: Coordinator(connection: conn, logger: log), runName: runName,
                                           configJSON: configJSON, codeVersion: KneeFlowVersion.string, modelPath: model,
                                           datasets: pairs, plane: (inputFlags.plane ?? .sagittal).rawValue,
                                           maxAttempts: maxAttempts, inputRoot: inputRoot)
        } catch let nothing as RunSetup.NothingEnqueued {
            report(warnings: nothing.warnings, problems: nothing.problems, log: log)
            print("run \(TerminalText.escape(runName)): nothing enqueued, \(nothing.problems.count) skipped; no run created")
            throw ExitCode(3)
        }
        report(warnings: outcome.warnings, problems: outcome.problems, log: log)
        print("run \(TerminalText.escape(outcome.run.name)): \(outcome.inserted) new jobs, \(outcome.submitted - outcome.inserted) already queued, \(outcome.problems.count) skipped")
        if !outcome.problems.isEmpty { throw ExitCode(3) }
    }

    /// Warnings to the log, one `skipped:` line per problem on stderr (control characters escaped:
    /// they quote case ids, paths and file names).
    func report(warnings: [String], problems: [String], log: Logger) {
        for w in warnings { log.warning("\(w)") }
        for p in problems { FileHandle.standardError.write(Data("skipped: \(TerminalText.escape(p))\n".utf8)) }
    }

    /// The configuration text stored on the run: a built-in handler's JSON verbatim, or the
    /// pipeline configuration (file, then flags) in canonical form.
    func resolvedConfigJSON() throws -> String {
        var pipeline = PipelineConfig()
        if let config {
            guard let data = FileManager.default.contents(atPath: config) else { throw QueueError(.input, "cannot read config \(config)") }
            let text = String(decoding: data, as: UTF8.self)
            switch try RunConfiguration.parse(json: text) {
            case .builtin(let name):
                try checkBuiltin(name)
                if artifactFormat != nil { throw ValidationError("--artifact-format applies to pipeline configurations") }
                if noCache { throw ValidationError("--no-cache applies to pipeline configurations") }
                if deadline != nil { throw ValidationError("--deadline applies to pipeline configurations; put \"deadlineSeconds\" in a built-in handler's config") }
                return text
            case .pipeline(let decoded): pipeline = decoded
            }
        }
        if let variant { pipeline.variant = Variant(rawValue: variant)! }
        if let deadline { pipeline.deadlineSeconds = deadline }
        if let artifactFormat { pipeline.artifactFormat = artifactFormat }
        if noCache { pipeline.cache = false }
        preprocessing.apply(to: &pipeline.preprocess)
        inputFlags.apply(to: &pipeline)
        for kd in keepDataset {
            let parts = kd.split(separator: "=", maxSplits: 1).map(String.init)
            pipeline.keepPerDataset[parts[0]] = ClusterRange(parsing: parts[1])
        }
        return try pipeline.canonicalJSON()
    }
}

extension ArtifactFormat: ExpressibleByArgument {}
