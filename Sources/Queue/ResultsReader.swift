import Common
import Foundation
import Postgres

/// One job of a run with its result, as the report needs it.
public struct JobRecord: Sendable, Equatable {
    public let jobId: Int64
    public let dataset: String
    public let caseId: String
    public let label: Int?
    public let state: JobState
    public let attempts: Int
    public let lastError: String?
    public let inputPath: String
    public let inputSHA256: String?
    public let probability: Double?
    /// Result metrics JSON (jsonb text), `nil` when the job has no result.
    public let metricsJSON: String?
    /// Result artifacts JSON (jsonb text), `nil` when the job has no result.
    public let artifactsJSON: String?
    public let startedAt: Date?
    public let finishedAt: Date?
}

/// Read access for reports: runs by name and every job of a run with its result.
public struct ResultsReader {
    public let connection: PostgresConnection
    public init(connection: PostgresConnection) { self.connection = connection }

    /// The run with this exact name, or `nil`.
    public func run(named name: String) throws -> RunInfo? {
        try connection.query(QueueSQL.runByName(name)).first.map(RunInfo.init(row:))
    }

    /// Every job of the run, ordered by (dataset, caseId) in byte order.
    /// - Throws: `QueueError(.runNotFound)`; `PostgresError`.
    public func jobs(runName: String) throws -> [JobRecord] {
        guard let run = try run(named: runName) else {
            throw QueueError(.runNotFound, "no run named \"\(runName.prefix(80))\"")
        }
        return try jobs(runId: run.id)
    }

    /// Every job of the run id, ordered by (dataset, caseId) in byte order.
    public func jobs(runId: Int64) throws -> [JobRecord] {
        try connection.query(QueueSQL.jobsWithResults(runId: runId)).map { r in
            JobRecord(jobId: try r.decode(Int64.self, column: "id"), dataset: try r.decode(String.self, column: "dataset"),
                      caseId: try r.decode(String.self, column: "case_id"), label: try r.decode(Int?.self, column: "label"),
                      state: try r.decode(JobState.self, column: "state"), attempts: try r.decode(Int.self, column: "attempts"),
                      lastError: try r.decode(String?.self, column: "last_error"),
                      inputPath: try r.decode(String.self, column: "input_path"),
                      inputSHA256: try r.decode(String?.self, column: "input_sha256"),
                      probability: try r.decode(Double?.self, column: "probability"),
                      metricsJSON: try r.decode(String?.self, column: "metrics"),
                      artifactsJSON: try r.decode(String?.self, column: "artifacts"),
                      startedAt: try r.decode(Date?.self, column: "started_at"),
                      finishedAt: try r.decode(Date?.self, column: "finished_at"))
        }
    }
}

/// What `kneeflow prune` needs: every run with its unfinished jobs, and the directories a run's
/// results published.
extension ResultsReader {
    public struct RunPending: Sendable, Equatable {
        public let id: Int64
        public let name: String
        /// Jobs queued or running.
        public let pending: Int
    }

    public func runsWithPending() throws -> [RunPending] {
        try connection.query(QueueSQL.runsWithPending).map { r in
            RunPending(id: try r.decode(Int64.self, column: "id"), name: try r.decode(String.self, column: "name"),
                       pending: Int(try r.decode(Int64.self, column: "pending")))
        }
    }

    /// The `artifacts.dir` of every result of the run (relative to the artifact root).
    public func publishedDirectories(runId: Int64) throws -> Set<String> {
        Set(try connection.query(QueueSQL.publishedDirectories(runId: runId)).compactMap { try $0.decode(String?.self, column: "dir") })
    }
}
