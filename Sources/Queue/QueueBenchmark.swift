import Foundation
import Logging
import Postgres

/// The database side of `kneeflow bench queue`: a run of no-op jobs (`{"handler":"noop"}`),
/// enqueued through COPY and timed, then, after the caller's workers have drained it, the claim +
/// complete throughput the database saw. The command starts the worker processes.
public struct QueueBenchmark {
    public let connection: PostgresConnection
    public let logger: Logger

    public init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection; self.logger = logger
    }

    /// The benchmark run and how long enqueueing its jobs took.
    public struct Prepared: Sendable {
        public let run: RunInfo
        public let enqueueSeconds: Double
    }

    /// What the database recorded for the run's jobs.
    public struct Throughput: Sendable {
        /// Jobs that succeeded.
        public let succeeded: Int
        /// Attempts over all jobs.
        public let attempts: Int
        /// Seconds from the first job's start to the last job's finish.
        public let windowSeconds: Double
    }

    /// Creates a uniquely named run of `jobs` no-op jobs and refreshes the planner's statistics.
    public func prepare(jobs: Int, codeVersion: String) throws -> Prepared {
        let coordinator = Coordinator(connection: connection, logger: logger)
        let name = "bench-queue-\(Int(Date().timeIntervalSince1970))-\(UInt16.random(in: 0...UInt16.max))"
        let run = try coordinator.createRun(name: name, configJSON: "{\"handler\":\"noop\"}", codeVersion: codeVersion)
        let newJobs = (0..<jobs).map { NewJob(dataset: "bench", caseId: String($0), inputPath: "/dev/null") }
        let t0 = Date()
        try coordinator.enqueue(runId: run.id, jobs: newJobs)
        let seconds = Date().timeIntervalSince(t0)
        try connection.execute(QueueSQL.analyzeJobs)
        return Prepared(run: run, enqueueSeconds: seconds)
    }

    /// The run's throughput as the database recorded it.
    public func throughput(runId: Int64) throws -> Throughput {
        let stats = try connection.query(QueueSQL.runThroughput(runId: runId)).first
        return Throughput(succeeded: try stats?.decode(Int.self, column: "ok") ?? 0,
                          attempts: try stats?.decode(Int.self, column: "attempts") ?? 0,
                          windowSeconds: try stats?.decode(Double.self, column: "window_s") ?? 0)
    }

    /// Deletes the run with its jobs and results.
    public func remove(runId: Int64) throws { try connection.execute(QueueSQL.deleteRun(runId)) }
}
