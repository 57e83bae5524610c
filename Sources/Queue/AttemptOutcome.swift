import Postgres

/// How one claim of a job ended (`kneeflow.job_attempts.outcome`; the column's check in
/// sql/001_schema.sql lists the same labels, and a test compares the two).
public enum AttemptOutcome: String, CaseIterable, Sendable, CustomStringConvertible {
    /// The attempt is still under way.
    case running
    /// Completed; the job succeeded with its result.
    case succeeded
    /// Failed with attempts left: the job went back to the queue after a backoff.
    case retry
    /// Failed permanently or out of attempts: the job failed.
    case failed
    /// The lease ran out before the worker finished (reaped): the job went back to the queue.
    case leaseExpired = "lease_expired"
    /// Given back by a stopping worker without charging the attempt.
    case released
    /// The job's run was cancelled.
    case cancelled

    public var description: String { rawValue }
}

extension AttemptOutcome: PostgresDecodable {
    public static func decode(postgresText text: String?) -> AttemptOutcome? { text.flatMap(AttemptOutcome.init(rawValue:)) }
}
