/// The state of a job in the queue: the one definition on the Swift side. The database's
/// `kneeflow.job_state` enum (sql/005_job_state.sql) lists the same values in the same order, and
/// the check on `kneeflow.jobs.state` is tied to it; a test compares the two.
///
/// ```
/// queued ──claim──► running ──complete──► succeeded
///   ▲                 │ error / lease expired
///   └──retry (backoff)┤
///                     └──attempts exhausted──► failed     (cancel: queued|running ──► cancelled)
/// ```
public enum JobState: String, CaseIterable, Codable, Sendable, CustomStringConvertible {
    /// Waiting to be claimed (new, or back after a retryable error, an expired lease or a release).
    case queued
    /// Claimed by a worker under a lease.
    case running
    /// Finished with a stored result (final).
    case succeeded
    /// Failed permanently or out of attempts; `last_error` says why (final).
    case failed
    /// Withdrawn by `cancel_run` before it finished (final).
    case cancelled

    /// Still to run: queued or running.
    public var isPending: Bool { self == .queued || self == .running }

    /// Reached an end with a result or an error: succeeded or failed (not cancelled).
    public var isFinished: Bool { self == .succeeded || self == .failed }

    public var description: String { rawValue }
}
