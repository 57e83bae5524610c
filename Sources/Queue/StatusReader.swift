import Foundation
import Postgres

/// Reads the monitoring views (and nothing else) for `kneeflow status`.
public struct StatusReader {
    public let connection: PostgresConnection
    public init(connection: PostgresConnection) { self.connection = connection }

    public struct Progress: Sendable {
        public let run: String, dataset: String
        public let total: Int, queued: Int, running: Int, succeeded: Int, failed: Int, cancelled: Int
        public let percentDone: Double
        public let jobsPerMinute: Double
        /// Seconds, when a rate is known and work remains.
        public let etaSeconds: Double?
    }

    public struct ActiveWorker: Sendable {
        public let worker: String, host: String
        public let pid: Int
        public let heartbeatAgeSeconds: Double
        public let currentJob: Int64?
        public let runningJobs: Int, succeeded: Int, failed: Int
    }

    public struct Failure: Sendable {
        public let endedAt: Date?
        public let run: String, dataset: String, caseId: String
        public let attempt: Int, maxAttempts: Int
        public let outcome: AttemptOutcome
        public let error: String?
        /// Why the attempt ended: a handler error, a refused input, a deadline, a lost lease (a
        /// crash or cut-off worker), … (`nil` for attempts recorded before migration 007).
        public let kind: AttemptErrorKind?
    }

    /// `kneeflow.progress`, optionally for one run.
    public func progress(run: String?) throws -> [Progress] {
        try connection.query(QueueSQL.progress(run: run)).map { r in
            Progress(run: try r.decode(String.self, column: "run"), dataset: try r.decode(String.self, column: "dataset"),
                     total: try r.decode(Int.self, column: "total"), queued: try r.decode(Int.self, column: "queued"),
                     running: try r.decode(Int.self, column: "running"), succeeded: try r.decode(Int.self, column: "succeeded"),
                     failed: try r.decode(Int.self, column: "failed"), cancelled: try r.decode(Int.self, column: "cancelled"),
                     percentDone: try r.decode(Double.self, column: "pct"), jobsPerMinute: try r.decode(Double.self, column: "rate"),
                     etaSeconds: try r.decode(Double?.self, column: "eta_s"))
        }
    }

    /// `kneeflow.active_workers`.
    public func activeWorkers() throws -> [ActiveWorker] {
        try connection.query(QueueSQL.activeWorkers).map { r in
            ActiveWorker(worker: try r.decode(String.self, column: "worker"), host: try r.decode(String.self, column: "host"),
                         pid: try r.decode(Int.self, column: "pid"), heartbeatAgeSeconds: try r.decode(Double.self, column: "age"),
                         currentJob: try r.decode(Int64?.self, column: "current_job"),
                         runningJobs: try r.decode(Int.self, column: "running_jobs"),
                         succeeded: try r.decode(Int.self, column: "succeeded"), failed: try r.decode(Int.self, column: "failed"))
        }
    }

    /// `kneeflow.recent_failures`, newest first.
    public func recentFailures(run: String?, limit: Int = 10) throws -> [Failure] {
        try connection.query(QueueSQL.recentFailures(run: run, limit: limit)).map { r in
            Failure(endedAt: try r.decode(Date?.self, column: "ended_at"), run: try r.decode(String.self, column: "run"),
                    dataset: try r.decode(String.self, column: "dataset"), caseId: try r.decode(String.self, column: "case_id"),
                    attempt: try r.decode(Int.self, column: "attempt"), maxAttempts: try r.decode(Int.self, column: "max_attempts"),
                    outcome: try r.decode(AttemptOutcome.self, column: "outcome"), error: try r.decode(String?.self, column: "error"),
                    kind: try r.decode(AttemptErrorKind?.self, column: "error_kind"))
        }
    }
}
