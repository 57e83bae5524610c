-- 008_queue_depth: monitoring views for autoscalers and metrics exporters.
-- Why: a KEDA postgresql trigger polls "how much work is left" every few seconds and Prometheus
-- (prometheus-postgres-exporter with ops/prometheus/queries.yaml) scrapes failure counts; the
-- progress view (003) answers the first by aggregating every job ever enqueued, and
-- recent_failures (003) keeps only the last 100 attempts. These read only what they need: the
-- unfinished jobs (through the partial indexes on queued and on running jobs) and the failed
-- attempts (through the partial failures index), so their cost follows the live queue, not the
-- history; stage_timings summarises the last 15 minutes' per-stage times (no view had them).
-- Like the views of 003 they are for the monitor role: SELECT on the view is all it needs (views
-- run with their owner's rights).
-- The attempt kinds of 007 (job_attempts.error_kind) are in recent_failures; the reason class
-- here is read from the error text, which every worker version writes.

-- Unfinished jobs per run: queued (ready = may be claimed now, the rest wait out a retry
-- backoff), running, running jobs whose lease already expired (nobody reaped them: no live
-- worker), and the age of the oldest running claim in seconds (0 when none runs).
CREATE VIEW kneeflow.queue_depth AS
WITH live AS (
    SELECT run_id, state, run_after, lease_expires_at, started_at
      FROM kneeflow.jobs WHERE state = 'queued'
    UNION ALL
    SELECT run_id, state, run_after, lease_expires_at, started_at
      FROM kneeflow.jobs WHERE state = 'running'
)
SELECT r.name AS run, l.run_id,
       count(*) FILTER (WHERE l.state = 'queued') AS queued,
       count(*) FILTER (WHERE l.state = 'queued' AND l.run_after <= now()) AS ready,
       count(*) FILTER (WHERE l.state = 'running') AS running,
       count(*) FILTER (WHERE l.state = 'running' AND l.lease_expires_at < now()) AS expired_leases,
       coalesce(extract(epoch FROM now() - min(l.started_at) FILTER (WHERE l.state = 'running')), 0)::double precision
           AS oldest_running_s
  FROM live l
  JOIN kneeflow.runs r ON r.id = l.run_id
 GROUP BY r.name, l.run_id;

-- Failed, retried and expired attempts per run, outcome and reason class, over the whole
-- history (counts only grow, so Prometheus can take their rate). The class is the error's
-- leading code word: Pipeline errors read "<code>: …" or "<code> in stage <stage>: …" (input,
-- config, stage, model, artifacts, …); an expired lease is 'lease_expired'; anything else is
-- 'other'. A bounded set, fit for a metric label; the full text stays in recent_failures.
CREATE VIEW kneeflow.failure_reasons AS
SELECT r.name AS run, a.outcome,
       CASE WHEN a.outcome = 'lease_expired' THEN 'lease_expired'
            WHEN a.error ~ '^[a-z_]{1,24}( in stage [a-z_]+)?: '
                THEN substring(a.error FROM '^[a-z_]{1,24}')
            ELSE 'other'
       END AS reason,
       count(*) AS attempts,
       max(a.ended_at) AS last_at
  FROM kneeflow.job_attempts a
  JOIN kneeflow.jobs j ON j.id = a.job_id
  JOIN kneeflow.runs r ON r.id = j.run_id
 WHERE a.outcome IN ('retry', 'failed', 'lease_expired')
 GROUP BY 1, 2, 3;

-- Milliseconds per stage (the chain's results.metrics.stages_ms: read, nmf, slice, …) of the
-- jobs that succeeded in the last 15 minutes, per run: how many, mean, median, 95th percentile,
-- maximum. The time window comes from jobs_finished_idx, so the cost follows the recent
-- throughput. Results without stage timings (built-in and test handlers) add nothing.
CREATE VIEW kneeflow.stage_timings AS
SELECT r.name AS run, s.key AS stage, count(*) AS jobs,
       avg(s.value::double precision) AS mean_ms,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY s.value::double precision) AS p50_ms,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY s.value::double precision) AS p95_ms,
       max(s.value::double precision) AS max_ms
  FROM kneeflow.jobs j
  JOIN kneeflow.results res ON res.job_id = j.id
  JOIN kneeflow.runs r ON r.id = j.run_id
 CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(res.metrics -> 'stages_ms') = 'object'
                                    THEN res.metrics -> 'stages_ms' END) AS s
 WHERE j.finished_at > now() - interval '15 minutes' AND j.state = 'succeeded'
   AND jsonb_typeof(s.value) = 'number'
 GROUP BY r.name, s.key;

-- The monitor and coordinator group roles (migration 006) read these as they read 003's views.
-- Where 006 has not run (a database older than the roles), there is nobody to grant to.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'kneeflow_monitor')
       AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'kneeflow_coordinator') THEN
        GRANT SELECT ON kneeflow.queue_depth, kneeflow.failure_reasons, kneeflow.stage_timings
            TO kneeflow_monitor, kneeflow_coordinator;
    END IF;
END
$$;
