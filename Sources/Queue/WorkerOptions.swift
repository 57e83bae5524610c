/// How a worker process claims and runs jobs (the `kneeflow work` flags).
public struct WorkerOptions: Sendable {
    /// Lease length in seconds; heartbeats run every `leaseSeconds / 3`.
    public var leaseSeconds: Double = 60
    /// Claim loops, each with its own connection and thread.
    public var concurrency: Int = 1
    /// Jobs claimed per claim statement.
    public var batchSize: Int = 1
    /// Stop when no job of the selected run(s) is queued or running.
    public var exitWhenIdle: Bool = false
    /// Stop after claiming this many jobs in total.
    public var maxJobs: Int? = nil
    /// LISTEN for enqueue notifications while idle (off for PgBouncer transaction mode).
    public var listen: Bool = true
    /// Idle poll interval in seconds (the fallback when a notification is missed).
    public var pollInterval: Double = 5
    /// On SIGTERM/SIGINT, how long a running job may continue before it is released.
    public var gracePeriod: Double = 30
    /// How often this worker tries to reap expired leases (guarded: one reaper at a time).
    public var reapInterval: Double = 5
    /// Only claim jobs of this run id (`nil` = any run).
    public var runId: Int64? = nil
    /// Retry backoff for transient errors.
    public var retryPolicy = RetryPolicy()
    /// Seconds to keep retrying the first connection (a server restarting); with
    /// `exitWhenIdle`, also how long a lost database may stay unreachable before the worker
    /// gives up and `run()` throws.
    public var connectTimeout: Double = 60
    /// Recorded in `kneeflow.workers`.
    public var version: String = "unknown"
    /// Per-job deadline overriding the run configuration's `deadlineSeconds` (`--deadline`).
    public var deadlineOverride: Double? = nil
    /// The deadline when neither the flag nor the run configuration sets one (1 hour: a chain
    /// job takes seconds to minutes).
    public var defaultDeadline: Double = 3600
    /// Abandoned handlers (past their deadline, still running) a worker tolerates; one more and
    /// it drains and stops with `abandonedLimitReached`.
    public var maxAbandoned: Int = 2
    /// First pause after a full artifact store (ENOSPC/EDQUOT), seconds; doubles each time.
    public var storeFullPause: Double = 5
    /// Longest pause after a full artifact store, seconds.
    public var storeFullMaxPause: Double = 300

    public init() {}
}

/// What a worker did before it stopped.
public struct WorkerSummary: Sendable, Equatable {
    public var succeeded = 0
    public var failed = 0
    public var retried = 0
    public var leaseLost = 0
    public var released = 0
    /// Handlers abandoned at their deadline.
    public var abandoned = 0
    /// The worker stopped because too many abandoned handlers were still running.
    public var abandonedLimitReached = false
    /// Pauses after a full artifact store.
    public var storeFullPauses = 0
    public init() {}
}
