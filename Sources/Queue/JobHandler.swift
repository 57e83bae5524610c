import Foundation
/// A job as a handler sees it (one claim of one case).
public struct ClaimedJob: Sendable, Equatable {
    public let id: Int64
    public let runId: Int64
    public let dataset: String
    public let caseId: String
    /// Path of the input volume, as enqueued.
    public let inputPath: String
    /// The directory the input must resolve under (recorded at enqueue; `ConfinedFile` checks
    /// it again at read time). `nil` only for jobs built by hand: the input's own directory.
    public let inputRoot: String?
    /// SHA-256 of the input recorded at enqueue time, if any.
    public let inputSHA256: String?
    /// Ground-truth label (0/1) when known.
    public let label: Int?
    /// 1 for the first attempt.
    public let attempt: Int
    public let maxAttempts: Int
    /// The lease token fencing this claim's completion.
    public let leaseToken: String

    public init(id: Int64, runId: Int64, dataset: String, caseId: String, inputPath: String,
                inputSHA256: String?, label: Int?, attempt: Int, maxAttempts: Int, leaseToken: String,
                inputRoot: String? = nil) {
        self.id = id; self.runId = runId; self.dataset = dataset; self.caseId = caseId
        self.inputPath = inputPath; self.inputRoot = inputRoot; self.inputSHA256 = inputSHA256; self.label = label
        self.attempt = attempt; self.maxAttempts = maxAttempts; self.leaseToken = leaseToken
    }
}

extension ClaimedJob {
    /// `inputRoot`, or for a job built by hand without one, the input's own directory.
    public var effectiveInputRoot: String {
        inputRoot ?? URL(fileURLWithPath: inputPath).deletingLastPathComponent().path
    }
}

/// The run a job belongs to: its configuration (exact JSON text as enqueued) and model.
public struct RunInfo: Sendable, Equatable {
    public let id: Int64
    public let name: String
    /// The configuration JSON exactly as given to `createRun` (its SHA-256 is `configSHA256`).
    public let configJSON: String
    public let configSHA256: String
    public let codeVersion: String
    public let modelPath: String?
    public let modelSHA256: String?

    public init(id: Int64, name: String, configJSON: String, configSHA256: String, codeVersion: String,
                modelPath: String?, modelSHA256: String?) {
        self.id = id; self.name = name; self.configJSON = configJSON; self.configSHA256 = configSHA256
        self.codeVersion = codeVersion; self.modelPath = modelPath; self.modelSHA256 = modelSHA256
    }
}

/// What a handler produced for one job; stored in `kneeflow.results`.
public struct JobOutput: Sendable, Equatable {
    /// Predicted probability of the positive class, when the handler classifies.
    public var probability: Double?
    /// A JSON object of metrics (per-stage ms, sizes, …).
    public var metricsJSON: String
    /// A JSON object of artifact paths (relative to the run's artifact root).
    public var artifactsJSON: String

    public init(probability: Double? = nil, metricsJSON: String = "{}", artifactsJSON: String = "{}") {
        self.probability = probability; self.metricsJSON = metricsJSON; self.artifactsJSON = artifactsJSON
    }
}

/// Errors a handler throws to steer retries. Any other error counts as transient, with its
/// description as the job's error text.
public enum JobError: Error, CustomStringConvertible, Sendable {
    /// Retrying cannot help (corrupt or missing input): the job fails at once.
    case permanent(String)
    /// Might succeed later (lost connection): retried with backoff.
    case transient(String)
    /// The input was refused (outside its root, not a regular file, over the budget): fails at
    /// once, recorded as `input_refused`.
    case inputRefused(String)
    /// The artifact store is full (ENOSPC/EDQUOT): the worker releases the job without charging
    /// the attempt and pauses.
    case storageFull(String)

    public var description: String {
        switch self {
        case .permanent(let m), .transient(let m), .inputRefused(let m), .storageFull(let m): return m
        }
    }
}

/// Runs one job. Called on a worker thread; may block. Throw `JobError` to choose between
/// retrying and failing; the worker never crashes on a handler error.
public protocol JobHandler: Sendable {
    func handle(_ job: ClaimedJob, run: RunInfo) throws -> JobOutput
    /// Removes whatever this attempt wrote (its own attempt directory), when its result will
    /// never be published: the handler failed, ran past its deadline, or its completion was
    /// rejected (a stale worker). Must touch nothing another attempt owns.
    func discardAttempt(_ job: ClaimedJob, run: RunInfo)
}

extension JobHandler {
    public func discardAttempt(_ job: ClaimedJob, run: RunInfo) {}
}

extension RunInfo {
    /// The run configuration's per-job deadline (`"deadlineSeconds"`, a positive number), if it
    /// sets one. The queue reads this one key itself so every handler, built-in or pipeline,
    /// gets a deadline.
    public var deadlineSeconds: Double? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(configJSON.utf8)) as? [String: Any],
              let value = object["deadlineSeconds"] as? NSNumber else { return nil }
        let d = value.doubleValue
        return d > 0 && d.isFinite ? d : nil
    }
}

/// Chooses the handler for a run (called once per run a worker meets, result cached).
public typealias JobHandlerFactory = @Sendable (RunInfo) throws -> any JobHandler
