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

/// Why an attempt ended other than by success (`kneeflow.job_attempts.error_kind`, added by
/// sql/007_confined_jobs.sql; its check lists the same labels and a test compares the two).
/// It tells a worker crash from a handler error from a hung handler.
public enum AttemptErrorKind: String, CaseIterable, Sendable, CustomStringConvertible {
    /// The handler threw (a bad volume, a stage error, a transient failure).
    case handlerError = "handler_error"
    /// The input was refused before reading: outside the input root, not a regular file, over
    /// the memory budget.
    case inputRefused = "input_refused"
    /// The handler ran past the job's deadline; the worker abandoned it and lived on.
    case deadline
    /// The lease ran out (reaped): the worker crashed, hung as a whole or was cut off.
    case leaseExpired = "lease_expired"
    /// Given back by a stopping worker.
    case released
    /// The artifact store was full (ENOSPC/EDQUOT): given back without charge.
    case storeFull = "store_full"

    public var description: String { rawValue }
}

extension AttemptErrorKind: PostgresDecodable {
    public static func decode(postgresText text: String?) -> AttemptErrorKind? { text.flatMap(AttemptErrorKind.init(rawValue:)) }
}
