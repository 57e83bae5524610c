import Common
import Foundation
import Logging
import Postgres

/// One job to enqueue.
public struct NewJob: Sendable, Equatable {
    public var dataset: String
    public var caseId: String
    public var inputPath: String
    /// The directory the input must resolve under (its dataset's input root). `nil`: the
    /// input's own directory.
    public var inputRoot: String?
    public var inputSHA256: String?
    public var label: Int?
    public var priority: Int

    public init(dataset: String, caseId: String, inputPath: String, inputSHA256: String? = nil,
                label: Int? = nil, priority: Int = 0, inputRoot: String? = nil) {
        self.dataset = dataset; self.caseId = caseId; self.inputPath = inputPath; self.inputRoot = inputRoot
        self.inputSHA256 = inputSHA256; self.label = label; self.priority = priority
    }
}

/// Creates runs and enqueues jobs (the producer side of the queue).
public struct Coordinator {
    public let connection: PostgresConnection
    let logger: Logger

    public init(connection: PostgresConnection, logger: Logger = Logger(label: "kneeflow.coordinator")) {
        self.connection = connection
        self.logger = logger
    }

    /// Creates the run, or returns the existing one when a run of that name has the same config
    /// (SHA-256 of the exact JSON text) and model.
    /// - Parameters:
    ///   - configJSON: a JSON object (stored verbatim; must parse as jsonb).
    ///   - configSHA256: SHA-256 of `configJSON`; `nil` computes it.
    /// - Throws: `QueueError(.runConflict)` when the name exists with a different config or
    ///   model; `PostgresError` for invalid JSON or server errors.
    @discardableResult
    public func createRun(name: String, configJSON: String, configSHA256: String? = nil, codeVersion: String,
                          modelPath: String? = nil, modelSHA256: String? = nil) throws -> RunInfo {
        let sha = configSHA256 ?? SHA256.hex(string: configJSON)
        let inserted = try connection.query(QueueSQL.insertRun(name: name, configJSON: configJSON, configSHA256: sha,
                                                               codeVersion: codeVersion, modelPath: modelPath, modelSHA256: modelSHA256))
        guard let existing = try run(named: name) else {
            throw QueueError(.state, "run vanished right after creation")
        }
        if inserted.isEmpty {
            guard existing.configSHA256 == sha else {
                throw QueueError(.runConflict, "run \"\(name.prefix(80))\" exists with a different configuration (sha256 \(existing.configSHA256.prefix(12))… vs \(sha.prefix(12))…); choose a new run name")
            }
            guard existing.modelSHA256 == modelSHA256 else {
                throw QueueError(.runConflict, "run \"\(name.prefix(80))\" exists with a different model; choose a new run name")
            }
        }
        return existing
    }

    /// The run with this exact name, or `nil`.
    public func run(named name: String) throws -> RunInfo? {
        try connection.query(QueueSQL.runByName(name)).first.map(RunInfo.init(row:))
    }

    /// The outcome of an enqueue.
    public struct EnqueueResult: Sendable, Equatable {
        /// Rows sent (including ones already queued).
        public let submitted: Int
        /// Rows that were new.
        public let inserted: Int
        public init(submitted: Int, inserted: Int) { self.submitted = submitted; self.inserted = inserted }
    }

    /// Bulk-enqueues jobs: COPY into a temporary table, then one INSERT … ON CONFLICT DO NOTHING
    /// (so enqueueing the same cases again adds nothing), then NOTIFY, all in one transaction.
    /// - Throws: `PostgresError` from the server.
    @discardableResult
    public func enqueue(runId: Int64, jobs: [NewJob], maxAttempts: Int = 3) throws -> EnqueueResult {
        let inserted = try connection.withTransaction { c -> Int in
            try c.execute(QueueSQL.createStaging)
            try c.copyIn(QueueSQL.copyStaging) { w in
                for j in jobs {
                    let root = j.inputRoot ?? URL(fileURLWithPath: j.inputPath).deletingLastPathComponent().path
                    try w.append([j.dataset, j.caseId, j.inputPath, root, j.inputSHA256, j.label.map(String.init), String(j.priority)])
                }
            }
            let n = try c.execute(QueueSQL.insertStaged(runId: runId, maxAttempts: maxAttempts))
            if n > 0 { try c.query(QueueSQL.notifyJobs(payload: String(runId))) }
            return n
        }
        logger.info("enqueued", metadata: ["run.id": "\(runId)", "jobs.submitted": "\(jobs.count)", "jobs.inserted": "\(inserted)"])
        return EnqueueResult(submitted: jobs.count, inserted: inserted)
    }

    /// Cancels the queued and running jobs of a run; returns how many.
    @discardableResult
    public func cancel(runId: Int64) throws -> Int {
        try connection.query(QueueSQL.cancelRun(runId)).first?.decode(Int.self, column: "n") ?? 0
    }

    /// Queues a run's failed jobs again with a fresh attempt budget; returns how many.
    @discardableResult
    public func requeueFailed(runId: Int64) throws -> Int {
        try connection.query(QueueSQL.requeueFailed(runId)).first?.decode(Int.self, column: "n") ?? 0
    }
}

extension RunInfo {
    init(row: PostgresRow) throws {
        self.init(id: try row.decode(Int64.self, column: "id"), name: try row.decode(String.self, column: "name"),
                  configJSON: try row.decode(String.self, column: "config_text"),
                  configSHA256: try row.decode(String.self, column: "config_sha256"),
                  codeVersion: try row.decode(String.self, column: "code_version"),
                  modelPath: try row.decode(String?.self, column: "model_path"),
                  modelSHA256: try row.decode(String?.self, column: "model_sha256"))
    }
}
