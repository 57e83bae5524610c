import Common
import Foundation
import Logging
import Postgres

/// A worker process: `concurrency` claim loops (one thread and connection each) plus one
/// heartbeat thread (its own connection) that extends the leases of the jobs it holds (by lease
/// token; never an abandoned one) every lease/3 and periodically
/// reaps expired leases. `run()` blocks until the worker stops: idle (`exitWhenIdle`), job
/// budget spent (`maxJobs`), or `requestStop()` (SIGTERM/SIGINT) — in which case running jobs get
/// `gracePeriod` seconds to finish and are then released (uncharged the first time a job is
/// released, charged after that: sql/007). Each job runs under a deadline (Worker+Process.swift).
public final class Worker: @unchecked Sendable {
    /// Unique per process start: host, pid and a random suffix.
    public let id: String
    let connectionString: String
    let options: WorkerOptions
    let factory: JobHandlerFactory
    let logger: Logger

    struct Shared {
        var stopRequested = false
        var stopRequestedAt: Date?
        var claimed = 0
        var loopsRunning = 0
        var held: [Int: ClaimedJob] = [:]
        var summary = WorkerSummary()
        var handlers: [Int64: (RunInfo, any JobHandler)] = [:]
        /// When each running job's deadline passes (by job id).
        var deadlines: [Int64: Date] = [:]
        /// Handlers abandoned at their deadline that have not returned yet.
        var abandonedRunning = 0
        /// The current pause after a full artifact store (nil: none since the last success).
        var storeFullDelay: Double?
    }
    let shared = Locked(Shared())

    /// - Parameters:
    ///   - connectionString: libpq URL or conninfo of the queue database (already migrated).
    ///   - handlerFactory: chooses the handler for each run the worker meets.
    public init(connectionString: String, options: WorkerOptions, logger: Logger = Logger(label: "kneeflow.worker"),
                handlerFactory: @escaping JobHandlerFactory) {
        let host = ProcessInfo.processInfo.hostName
        self.id = "\(host)-\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
        self.connectionString = connectionString
        self.options = options
        self.factory = handlerFactory
        var l = logger
        l[metadataKey: "worker.id"] = "\(id)"
        self.logger = l
    }

    /// Asks the worker to stop: no new claims; running jobs get the grace period. Thread-safe;
    /// call it from a signal handler's dispatch source.
    public func requestStop() {
        shared.withLock { s in
            if !s.stopRequested { s.stopRequested = true; s.stopRequestedAt = Date() }
        }
        logger.info("stop requested; finishing running jobs", metadata: ["grace.s": "\(options.gracePeriod)"])
    }

    var stopping: Bool { shared.withLock { $0.stopRequested } }

    /// Runs until the worker stops (see the type's summary).
    /// - Returns: counts of what this process did.
    /// - Throws: `PostgresError` when the first connection cannot be made.
    public func run() throws -> WorkerSummary {
        let main = try PostgresConnection(connectionString, logger: logger)
        defer { main.close() }
        try main.execute(QueueSQL.registerWorker(id: id, host: ProcessInfo.processInfo.hostName, pid: Int(getpid()),
                                                 version: options.version, concurrency: options.concurrency))
        logger.info("worker started", metadata: ["concurrency": "\(options.concurrency)", "lease.s": "\(options.leaseSeconds)"])
        let loops = max(1, options.concurrency)
        shared.withLock { $0.loopsRunning = loops }
        let heartbeatDone = Locked(false)
        let hb = Thread { [self] in heartbeatLoop(finished: heartbeatDone) }
        hb.name = "kneeflow-heartbeat"
        hb.start()
        for i in 0..<loops {
            let t = Thread { [self] in
                claimLoop(index: i)
                shared.withLock { $0.loopsRunning -= 1 }
            }
            t.name = "kneeflow-claim-\(i)"
            t.start()
        }
        // Wait for the loops; after a stop request, at most the grace period.
        while true {
            let (running, stopAt) = shared.withLock { ($0.loopsRunning, $0.stopRequestedAt) }
            if running == 0 { break }
            if let stopAt, Date().timeIntervalSince(stopAt) >= options.gracePeriod {
                releaseHeld(main)
                break
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        heartbeatDone.withLock { $0 = true }
        withReconnect(main, deadline: Date().addingTimeInterval(10)) { c in
            try c.execute(QueueSQL.deregisterWorker(id: id))
        }
        let summary = shared.withLock { $0.summary }
        logger.info("worker stopped", metadata: ["succeeded": "\(summary.succeeded)", "failed": "\(summary.failed)",
                                                 "released": "\(summary.released)"])
        return summary
    }

    /// Releases the jobs still running after the grace period (uncharged the first time a job is
    /// released: sql/007). A job whose handler is already past its deadline is failed with a
    /// deadline error instead, keeping its charge.
    func releaseHeld(_ conn: PostgresConnection) {
        let held = shared.withLock { s -> [(ClaimedJob, Date?)] in
            let jobs = s.held.values.map { ($0, s.deadlines[$0.id]) }
            s.held.removeAll()
            return jobs
        }
        for (job, deadline) in held {
            if let deadline, Date() >= deadline {
                let state = withReconnect(conn, deadline: Date().addingTimeInterval(10)) { c in
                    try c.query(QueueSQL.fail(jobId: job.id, token: job.leaseToken, error: "deadline: the handler was past its deadline when the worker stopped",
                                              retryDelay: options.retryPolicy.delay(attempt: job.attempt, unit: 0.5), kind: .deadline))
                        .first?.decode(String?.self, column: "state")
                } ?? nil
                logger.warning("grace period over; job past its deadline failed, not released", metadata: ["job.id": "\(job.id)", "state": "\(state ?? "lease lost")"])
                continue
            }
            let ok = withReconnect(conn, deadline: Date().addingTimeInterval(10)) { c in
                try c.query(QueueSQL.release(jobId: job.id, token: job.leaseToken, kind: .released)).first?.decode(Bool.self, column: "ok")
            }
            if ok == true { shared.withLock { $0.summary.released += 1 } }
            logger.warning("grace period over; released job", metadata: ["job.id": "\(job.id)", "released": "\(ok == true)"])
        }
    }

    /// Runs `body`, reconnecting with backoff and retrying when the connection was lost, until
    /// `deadline`. Other errors are logged and yield `nil`.
    @discardableResult
    func withReconnect<T>(_ conn: PostgresConnection, deadline: Date = .distantFuture,
                          _ body: (PostgresConnection) throws -> T) -> T? {
        while true {
            do {
                if !conn.isConnected { try conn.reconnect(deadline: deadline, shouldStop: { Date() >= deadline }) }
                return try body(conn)
            } catch let e as PostgresError where e.isConnectionLoss {
                if Date() >= deadline { logger.error("giving up on the database", metadata: ["error": "\(e)"]); return nil }
                logger.warning("connection lost; reconnecting", metadata: ["error": "\(e)"])
                conn.close()
                Thread.sleep(forTimeInterval: 0.1)
            } catch {
                logger.error("database error", metadata: ["error": "\(error)"])
                return nil
            }
        }
    }

    /// Extends leases every lease/3 and reaps every `reapInterval`, on its own connection.
    func heartbeatLoop(finished: Locked<Bool>) {
        let interval = max(0.05, options.leaseSeconds / 3)
        let reapEvery = max(0.05, min(options.reapInterval, options.leaseSeconds))
        var conn: PostgresConnection?
        var lastReap = Date.distantPast
        while !finished.value {
            do {
                if conn == nil { conn = try PostgresConnection(connectionString, logger: logger) }
                if let c = conn {
                    if !c.isConnected { try c.reconnect(deadline: Date().addingTimeInterval(interval)) }
                    // Only the jobs a claim loop holds now: an abandoned job is no longer in `held`.
                    let tokens = shared.withLock { $0.held.values.map(\.leaseToken) }
                    try c.query(QueueSQL.heartbeat(worker: id, tokens: tokens, leaseSeconds: options.leaseSeconds))
                    if Date().timeIntervalSince(lastReap) >= reapEvery {
                        lastReap = Date()
                        let n = try c.query(QueueSQL.reap).first?.decode(Int.self, column: "reaped") ?? 0
                        if n > 0 { logger.warning("reaped jobs with expired leases", metadata: ["jobs": "\(n)"]) }
                    }
                }
            } catch let e as PostgresError where e.isConnectionLoss {
                logger.warning("heartbeat connection lost; reconnecting", metadata: ["error": "\(e)"])
                conn?.close()
            } catch {
                logger.error("heartbeat failed", metadata: ["error": "\(error)"])
            }
            let until = Date().addingTimeInterval(interval)
            while Date() < until && !finished.value { Thread.sleep(forTimeInterval: min(0.05, interval)) }
        }
        conn?.close()
    }
}
