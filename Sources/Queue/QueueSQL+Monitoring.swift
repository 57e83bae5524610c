import Postgres

/// The read side of `QueueSQL`: the monitoring views behind `kneeflow status` and the statements
/// of `kneeflow bench queue`.
extension QueueSQL {
    /// `kneeflow.progress`, for one run or (nil) every run.
    public static func progress(run: String?) -> PostgresQuery {
        """
        SELECT run, dataset, total, queued, running, succeeded, failed, cancelled, percent_done::float8 AS pct,
               jobs_per_min::float8 AS rate, extract(epoch FROM eta)::float8 AS eta_s
          FROM kneeflow.progress WHERE (\(run)::text IS NULL OR run = \(run)::text)
         ORDER BY run_id, dataset COLLATE "C"
        """
    }

    /// `kneeflow.active_workers`, oldest first.
    public static let activeWorkers: PostgresQuery = """
        SELECT worker, host, pid, heartbeat_age_s::float8 AS age, current_job, running_jobs, succeeded, failed
          FROM kneeflow.active_workers ORDER BY started_at, worker
        """

    /// `kneeflow.recent_failures`, newest first, for one run or (nil) every run.
    public static func recentFailures(run: String?, limit: Int) -> PostgresQuery {
        """
        SELECT ended_at, run, dataset, case_id, attempt, max_attempts, outcome, error, error_kind
          FROM kneeflow.recent_failures WHERE (\(run)::text IS NULL OR run = \(run)::text)
         ORDER BY ended_at DESC LIMIT \(limit)::int
        """
    }

    /// Fresh planner statistics after a bulk enqueue (the benchmark measures claims, not plans).
    public static let analyzeJobs: PostgresQuery = "ANALYZE kneeflow.jobs"

    /// A run's succeeded jobs, attempts, and the seconds from its first start to its last finish.
    public static func runThroughput(runId: Int64) -> PostgresQuery {
        """
        SELECT count(*) FILTER (WHERE state = 'succeeded') AS ok,
               coalesce(sum(attempts), 0)::bigint AS attempts,
               coalesce(extract(epoch FROM max(finished_at) - min(started_at)), 0)::float8 AS window_s
          FROM kneeflow.jobs WHERE run_id = \(runId)::bigint
        """
    }

    /// Deletes a run with its jobs, results and attempts (benchmark runs).
    public static func deleteRun(_ id: Int64) -> PostgresQuery { "DELETE FROM kneeflow.runs WHERE id = \(id)::bigint" }

    /// The server's version string.
    public static let serverVersion: PostgresQuery = "SELECT current_setting('server_version') AS v"
}
