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
    /// Gives the connection string; asked again on every reconnect, so a worker follows an
    /// embedded cluster that restarted (see `DatabaseLocator.resolver`).
    let resolver: PostgresConnection.Resolver
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
        /// Set when the database stayed unreachable past `connectTimeout` (exit-when-idle only).
        var databaseLost: String?
    }
    let shared = Locked(Shared())

    /// - Parameters:
    ///   - connectionString: libpq URL or conninfo of the queue database (already migrated).
    ///   - handlerFactory: chooses the handler for each run the worker meets.
    public convenience init(connectionString: String, options: WorkerOptions, logger: Logger = Logger(label: "kneeflow.worker"),
                            handlerFactory: @escaping JobHandlerFactory) {
        self.init(resolver: { connectionString }, options: options, logger: logger, handlerFactory: handlerFactory)
    }

    /// - Parameters:
    ///   - resolver: gives the queue database's connection string, again on every reconnect.
    ///   - handlerFactory: chooses the handler for each run the worker meets.
    public init(resolver: @escaping PostgresConnection.Resolver, options: WorkerOptions,
                logger: Logger = Logger(label: "kneeflow.worker"), handlerFactory: @escaping JobHandlerFactory) {
        let host = ProcessInfo.processInfo.hostName
        self.id = "\(host)-\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
        self.resolver = resolver
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
    /// - Throws: `PostgresError` when the first connection cannot be made within
    ///   `options.connectTimeout`, or (exit-when-idle) the database stayed unreachable that long.
    public func run() throws -> WorkerSummary {
        let main = try PostgresConnection.connect(resolver: resolver, timeout: options.connectTimeout, logger: logger,
                                                  shouldStop: { [self] in stopping })
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
        if let lost = shared.withLock({ $0.databaseLost }) {
            throw PostgresError(.connection, "the database was unreachable for \(Int(options.connectTimeout)) s; giving up (--exit-when-idle): \(lost)")
        }
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
    /// `deadline` — and, with `exitWhenIdle`, until the database has been unreachable for
    /// `connectTimeout`, when the worker stops and `run()` throws (a server gone for good must
    /// not keep an exit-when-idle worker alive). Other errors are logged and yield `nil`.
    @discardableResult
    func withReconnect<T>(_ conn: PostgresConnection, deadline: Date = .distantFuture,
                          _ body: (PostgresConnection) throws -> T) -> T? {
        var lostSince: Date?
        while true {
            do {
                if !conn.isConnected {
                    let since = lostSince ?? Date()
                    let limit = options.exitWhenIdle ? min(deadline, since.addingTimeInterval(options.connectTimeout)) : deadline
                    try conn.reconnect(deadline: limit, shouldStop: { Date() >= limit })
                }
                return try body(conn)
            } catch let e as PostgresError where e.isConnectionLoss {
                let since = lostSince ?? Date()
                lostSince = since
                if options.exitWhenIdle, Date().timeIntervalSince(since) >= options.connectTimeout {
                    databaseLost(e)
                    return nil
                }
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

    /// Stops the worker because the database is gone (exit-when-idle); `run()` then throws.
    func databaseLost(_ error: Error) {
        let first = shared.withLock { s -> Bool in
            let first = s.databaseLost == nil
            if first { s.databaseLost = "\(error)" }
            if !s.stopRequested { s.stopRequested = true; s.stopRequestedAt = Date() }
            return first
        }
        if first {
            logger.error("the database stayed unreachable; stopping (--exit-when-idle)",
                         metadata: ["error": "\(error)", "waited.s": "\(options.connectTimeout)"])
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
                if conn == nil { conn = try PostgresConnection(resolver: resolver, logger: logger) }
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
