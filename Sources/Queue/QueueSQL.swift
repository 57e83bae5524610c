import Postgres

/// Every statement KneeFlow runs against the queue at runtime, each with why: claims, results,
/// runs, enqueue and reports here, the monitoring views and the benchmark's statements in
/// `QueueSQL+Monitoring.swift`. The state changes themselves live in SQL functions
/// (sql/002_queue_functions.sql, sql/006_roles.sql) so psql, pgbench (ops/) and workers share
/// one definition, and a worker's role needs EXECUTE on them and no table rights; QueueTests PREPAREs each statement against the migrated schema. Only the
/// migrator's own bookkeeping (advisory lock, `schema_migrations`) stays in `Migrator`.
public enum QueueSQL {
    /// NOTIFY channel that wakes idle workers (enqueue, release, reap, requeue).
    public static let channel = "kneeflow_jobs"

    /// Claim up to `limit` due jobs under a lease (one statement; SKIP LOCKED).
    public static func claim(worker: String, leaseSeconds: Double, limit: Int, runId: Int64?) -> PostgresQuery {
        "SELECT * FROM kneeflow.claim(\(worker), \(leaseSeconds)::float8, \(limit)::int, \(runId)::bigint)"
    }

    /// Record the worker's heartbeat and extend the leases it names (the jobs it really holds:
    /// never one whose handler it abandoned past its deadline). Tokens are uuids from `claim`.
    public static func heartbeat(worker: String, tokens: [String], leaseSeconds: Double) -> PostgresQuery {
        let array = "{" + tokens.joined(separator: ",") + "}"
        return "SELECT kneeflow.heartbeat(\(worker), \(array)::uuid[], \(leaseSeconds)::float8) AS extended"
    }

    /// Store the result and mark succeeded, fenced by the lease token (false = lease lost).
    public static func complete(jobId: Int64, token: String, output: JobOutput) -> PostgresQuery {
        "SELECT kneeflow.complete(\(jobId)::bigint, \(token)::uuid, \(output.probability)::float8, \(output.metricsJSON)::jsonb, \(output.artifactsJSON)::jsonb) AS ok"
    }

    /// Record a failed attempt; a NULL delay fails the job now (NULL result = lease lost).
    /// `kind` says why (`AttemptErrorKind`: handler_error, input_refused, deadline).
    public static func fail(jobId: Int64, token: String, error: String, retryDelay: Double?,
                            kind: AttemptErrorKind = .handlerError) -> PostgresQuery {
        "SELECT kneeflow.fail(\(jobId)::bigint, \(token)::uuid, \(error), \(retryDelay)::float8, \(kind.rawValue)) AS state"
    }

    /// Give a job back: `.released` (shutdown grace period ran out; free only the first time a
    /// job is released) or `.storeFull` (the artifact store is full; never charged).
    public static func release(jobId: Int64, token: String, kind: AttemptErrorKind = .released) -> PostgresQuery {
        "SELECT kneeflow.release(\(jobId)::bigint, \(token)::uuid, \(kind.rawValue)) AS ok"
    }

    /// Requeue (or fail) jobs whose lease expired; guarded by an advisory lock inside.
    public static let reap: PostgresQuery = "SELECT kneeflow.reap() AS reaped"

    /// Was this claim's completion recorded? (Disambiguates a completion whose reply was lost
    /// with the connection.) NULL for an unknown token.
    public static func attemptOutcome(token: String) -> PostgresQuery {
        "SELECT kneeflow.attempt_outcome(\(token)::uuid) AS outcome"
    }

    /// How much work is left for an idle worker: queued (counted up to 1000), running, and
    /// seconds until the earliest queued job is due (`kneeflow.pending`, sql/006_roles.sql: each
    /// part reads one partial index, so this stays cheap on millions of finished jobs).
    public static func pending(runId: Int64?) -> PostgresQuery {
        "SELECT queued, running, next_due_s FROM kneeflow.pending(\(runId)::bigint)"
    }

    /// Register a worker process (one row per process start).
    public static func registerWorker(id: String, host: String, pid: Int, version: String, concurrency: Int) -> PostgresQuery {
        "SELECT kneeflow.register_worker(\(id), \(host), \(pid)::int, \(version), \(concurrency)::int)"
    }

    /// Mark a worker stopped (it disappears from active_workers).
    public static func deregisterWorker(id: String) -> PostgresQuery {
        "SELECT kneeflow.deregister_worker(\(id)) AS ok"
    }

    /// A run's provenance by id (workers load it once per run).
    public static func runById(_ id: Int64) -> PostgresQuery {
        "SELECT id, name, config_text, config_sha256, code_version, model_path, model_sha256 FROM kneeflow.run_by_id(\(id)::bigint)"
    }

    /// A run by name.
    public static func runByName(_ name: String) -> PostgresQuery {
        "SELECT id, name, config_text, config_sha256, code_version, model_path, model_sha256 FROM kneeflow.run_by_name(\(name))"
    }

    /// Create a run unless one with this name exists (then the caller compares configs).
    public static func insertRun(name: String, configJSON: String, configSHA256: String, codeVersion: String,
                                 modelPath: String?, modelSHA256: String?) -> PostgresQuery {
        """
        INSERT INTO kneeflow.runs (name, config, config_text, config_sha256, code_version, model_path, model_sha256)
        VALUES (\(name), \(configJSON)::jsonb, \(configJSON), \(configSHA256), \(codeVersion), \(modelPath), \(modelSHA256))
        ON CONFLICT (kneeflow.text_key(name)) DO NOTHING
        RETURNING id
        """
    }

    /// Staging table for bulk enqueue (dropped at commit).
    public static let createStaging: PostgresQuery = """
        CREATE TEMP TABLE kneeflow_enqueue (dataset text, case_id text, input_path text,
            input_root text, input_sha256 text, label integer, priority integer) ON COMMIT DROP
        """
    public static let copyStaging: PostgresQuery =
        "COPY kneeflow_enqueue (dataset, case_id, input_path, input_root, input_sha256, label, priority) FROM STDIN"

    /// Move staged rows into the queue; existing (run, dataset, case) rows are left alone.
    public static func insertStaged(runId: Int64, maxAttempts: Int) -> PostgresQuery {
        """
        INSERT INTO kneeflow.jobs (run_id, dataset, case_id, input_path, input_root, input_sha256, label, priority, max_attempts)
        SELECT \(runId)::bigint, dataset, case_id, input_path, input_root, input_sha256, label, coalesce(priority, 0), \(maxAttempts)::int
          FROM kneeflow_enqueue
        ON CONFLICT (run_id, kneeflow.text_key(dataset), kneeflow.text_key(case_id)) DO NOTHING
        """
    }

    /// Wake idle workers (delivered at commit).
    public static func notifyJobs(payload: String) -> PostgresQuery {
        "SELECT pg_notify(\(channel), \(payload))"
    }

    public static func cancelRun(_ id: Int64) -> PostgresQuery { "SELECT kneeflow.cancel_run(\(id)::bigint) AS n" }
    public static func requeueFailed(_ id: Int64) -> PostgresQuery { "SELECT kneeflow.requeue_failed(\(id)::bigint) AS n" }

    /// Every job of a run with its result, ordered by (dataset, case) in byte order.
    public static func jobsWithResults(runId: Int64) -> PostgresQuery {
        """
        SELECT j.id, j.dataset, j.case_id, j.label, j.state, j.attempts, j.last_error, j.input_path,
               j.input_sha256, r.probability, r.metrics::text AS metrics, r.artifacts::text AS artifacts,
               j.started_at, j.finished_at
          FROM kneeflow.jobs j LEFT JOIN kneeflow.results r ON r.job_id = j.id
         WHERE j.run_id = \(runId)::bigint
         ORDER BY j.dataset COLLATE "C", j.case_id COLLATE "C"
        """
    }

    /// Every run with its number of unfinished (queued or running) jobs, for `kneeflow prune`.
    public static var runsWithPending: PostgresQuery {
        """
        SELECT r.id, r.name, count(j.id) FILTER (WHERE j.state IN ('queued', 'running')) AS pending
          FROM kneeflow.runs r LEFT JOIN kneeflow.jobs j ON j.run_id = r.id
         GROUP BY r.id, r.name ORDER BY r.id
        """
    }

    /// The artifact directories a run's results published (their `artifacts.dir`).
    public static func publishedDirectories(runId: Int64) -> PostgresQuery {
        """
        SELECT r.artifacts->>'dir' AS dir FROM kneeflow.results r JOIN kneeflow.jobs j ON j.id = r.job_id
         WHERE j.run_id = \(runId)::bigint AND r.artifacts ? 'dir'
        """
    }

    /// Statements with sample values, for the PREPARE test.
    public static var samples: [PostgresQuery] {
        let t = "00000000-0000-0000-0000-000000000000"
        return [
            claim(worker: "w", leaseSeconds: 60, limit: 1, runId: nil), heartbeat(worker: "w", tokens: [t], leaseSeconds: 60),
            complete(jobId: 1, token: t, output: JobOutput()), fail(jobId: 1, token: t, error: "e", retryDelay: 1),
            release(jobId: 1, token: t), release(jobId: 1, token: t, kind: .storeFull),
            fail(jobId: 1, token: t, error: "e", retryDelay: nil, kind: .deadline), reap, attemptOutcome(token: t), pending(runId: 1),
            registerWorker(id: "w", host: "h", pid: 1, version: "v", concurrency: 1), deregisterWorker(id: "w"),
            runById(1), runByName("r"), insertRun(name: "r", configJSON: "{}", configSHA256: "s", codeVersion: "v", modelPath: nil, modelSHA256: nil),
            notifyJobs(payload: ""), cancelRun(1), requeueFailed(1), jobsWithResults(runId: 1),
            progress(run: "r"), activeWorkers, recentFailures(run: nil, limit: 10), runThroughput(runId: 1),
            deleteRun(1), serverVersion, runsWithPending, publishedDirectories(runId: 1),
        ]
    }
}
