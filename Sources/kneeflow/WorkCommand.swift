import ArgumentParser
import Dispatch
import Foundation
import Imaging
import Postgres
import Queue

/// `kneeflow work`: a worker process.
struct WorkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "work",
        abstract: "Claim jobs under a lease, run their handler, complete or fail them.",
        discussion: """
            SIGTERM/SIGINT: stop claiming, let running jobs finish within --grace, else release them; exit 0. \
            A worker never migrates (its role, kneeflow_worker, may not): facing an unmigrated, older or newer \
            schema it says so on stderr and exits with status \(WorkCommand.schemaExitCode). \
            A job still running after its deadline (--deadline, else the run configuration's deadlineSeconds, else 1 hour) \
            is abandoned and failed with a deadline error; with more than --max-abandoned abandoned handlers still running \
            the worker drains and exits \(WorkCommand.abandonedExitCode), for its supervisor to restart it. A full artifact \
            store (ENOSPC/EDQUOT) releases the job without charging it and pauses (5 s, doubling up to 300 s).
            """)

    /// Exit status of a worker that found the database's schema not current.
    static let schemaExitCode: Int32 = 5
    /// Exit status of a worker that drained because too many abandoned handlers were still running.
    static let abandonedExitCode: Int32 = 6

    @Option(help: "Lease length in seconds (heartbeats every lease/3).") var lease: Double = 60
    @Option(help: "Claim loops, each with its own connection.") var concurrency: Int = 1
    @Option(help: "Jobs per claim statement.") var batch: Int = 1
    @Flag(help: "Exit when nothing is queued or running.") var exitWhenIdle = false
    @Option(help: "Stop after claiming this many jobs.") var maxJobs: Int?
    @Flag(help: "Do not LISTEN; poll only (PgBouncer transaction mode).") var noListen = false
    @Option(help: "Idle poll interval in seconds.") var poll: Double = 5
    @Option(help: "Seconds a running job may finish after SIGTERM before it is released.") var grace: Double = 30
    @Option(name: .customLong("run"), help: "Only work on this run.") var runName: String?
    @Option(help: .hidden) var retryBase: Double = 2
    @Option(help: "Threads for one job's imaging chain and BLAS: 1 (default) for one worker per core, the core count for one worker per machine.")
    var threads: Int = 1
    @Option(help: "Seconds to keep retrying while the database cannot be reached at start (a restarting server); with --exit-when-idle also how long a lost database may stay unreachable before the worker exits with status 1.")
    var connectTimeout: Double = 60
    @Option(help: "Artifact root (default: $KNEEFLOW_ARTIFACTS or <KNEEFLOW_HOME>/artifacts).") var artifacts: String?
    @Option(help: "Per-job deadline in seconds, overriding the run configuration's deadlineSeconds.") var deadline: Double?
    @Option(help: "Abandoned handlers (past their deadline, still running) tolerated before the worker drains and exits 6.")
    var maxAbandoned: Int = 2
    @Option(help: .hidden) var storeFullPause: Double = 5

    func validate() throws {
        guard lease >= 0.5 else { throw ValidationError("--lease must be at least 0.5 s") }
        guard concurrency >= 1, concurrency <= 64 else { throw ValidationError("--concurrency must be 1…64") }
        guard batch >= 1, batch <= 1000 else { throw ValidationError("--batch must be 1…1000") }
        if let m = maxJobs, m < 1 { throw ValidationError("--max-jobs must be positive") }
        guard poll > 0, grace >= 0, retryBase >= 0 else { throw ValidationError("--poll, --grace must be positive") }
        guard threads >= 1 else { throw ValidationError("--threads must be ≥ 1") }
        if let deadline, !(deadline > 0 && deadline.isFinite) { throw ValidationError("--deadline must be a positive number of seconds") }
        guard maxAbandoned >= 0 else { throw ValidationError("--max-abandoned must be ≥ 0") }
        guard storeFullPause > 0 else { throw ValidationError("--store-full-pause must be positive") }
        guard connectTimeout >= 0 else { throw ValidationError("--connect-timeout must be ≥ 0") }
    }

    func run() throws {
        BLAS.setThreads(threads)
        let log = CLILogging.logger("kneeflow.worker")
        let (conn, _) = try QueueDatabase.open(migrate: false, connectTimeout: connectTimeout, logger: log)
        do { try Migrator(logger: log).requireCurrent(conn) } catch let e as QueueError where e.code == .schema {
            conn.close()
            FileHandle.standardError.write(Data("kneeflow work: \(e.message)\n".utf8))
            throw ExitCode(Self.schemaExitCode)
        }
        var options = WorkerOptions()
        if let runName {
            guard let r = try Coordinator(connection: conn).run(named: runName) else {
                conn.close()
                throw QueueError(.runNotFound, "no run named \(runName)")
            }
            options.runId = r.id
        }
        conn.close()
        options.leaseSeconds = lease
        options.concurrency = concurrency
        options.batchSize = batch
        options.exitWhenIdle = exitWhenIdle
        options.maxJobs = maxJobs
        options.listen = !noListen
        options.pollInterval = poll
        options.gracePeriod = grace
        options.reapInterval = min(5, lease)
        options.retryPolicy = RetryPolicy(baseDelay: retryBase)
        options.version = KneeFlowVersion.string
        options.deadlineOverride = deadline
        options.maxAbandoned = maxAbandoned
        options.storeFullPause = storeFullPause
        options.connectTimeout = connectTimeout
        // Asked again on every reconnect: the embedded cluster's running server is read from
        // its home each time; DATABASE_URL stays as it is.
        let worker = Worker(resolver: try DatabaseLocator.resolver(), options: options, logger: log) { [root = ArtifactRoot.resolve(artifacts)] run in
            try makeHandler(for: run, artifactRoot: root)
        }
        var sources: [DispatchSourceSignal] = []
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler { worker.requestStop() }
            s.resume()
            sources.append(s)
        }
        let summary = try worker.run()
        sources.forEach { $0.cancel() }
        print("worker \(worker.id): \(summary.succeeded) succeeded, \(summary.failed) failed, \(summary.retried) retried, \(summary.released) released, \(summary.leaseLost) lease lost, \(summary.abandoned) abandoned")
        // Handler threads still running past the grace period (or abandoned at their deadline)
        // must not keep the process alive.
        fflush(nil)
        Foundation.exit(summary.abandonedLimitReached ? Self.abandonedExitCode : 0)
    }
}
