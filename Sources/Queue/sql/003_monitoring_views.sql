-- 003_monitoring_views: what `kneeflow status` (and anyone with psql) reads. Each view touches
-- only indexed paths or the small workers table, except progress, which aggregates one pass
-- over the jobs of each run (a hash aggregate; no sort, no per-row subquery).

-- Progress per run and dataset: counts per state, percent finished, throughput over the last
-- five minutes (jobs finished per minute, measured from the first finish in that window) and
-- the ETA that rate implies for the jobs not yet finished.
CREATE VIEW kneeflow.progress AS
WITH counts AS (
    SELECT run_id, dataset,
           count(*) AS total,
           count(*) FILTER (WHERE state = 'queued') AS queued,
           count(*) FILTER (WHERE state = 'running') AS running,
           count(*) FILTER (WHERE state = 'succeeded') AS succeeded,
           count(*) FILTER (WHERE state = 'failed') AS failed,
           count(*) FILTER (WHERE state = 'cancelled') AS cancelled
      FROM kneeflow.jobs
     GROUP BY run_id, dataset
), recent AS (
    SELECT run_id, dataset, count(*) AS finished_5min,
           greatest(extract(epoch FROM now() - min(finished_at)), 10.0) AS window_s
      FROM kneeflow.jobs
     WHERE finished_at > now() - interval '5 minutes'
     GROUP BY run_id, dataset
)
SELECT r.name AS run, c.run_id, c.dataset, c.total, c.queued, c.running, c.succeeded,
       c.failed, c.cancelled,
       round(100.0 * (c.succeeded + c.failed + c.cancelled) / c.total, 1) AS percent_done,
       round((coalesce(rc.finished_5min, 0) * 60.0 / coalesce(rc.window_s, 300.0))::numeric, 1)
           AS jobs_per_min,
       CASE WHEN coalesce(rc.finished_5min, 0) > 0 AND c.queued + c.running > 0
            THEN make_interval(secs => round(((c.queued + c.running)
                                              * rc.window_s / rc.finished_5min)::numeric)::double precision)
       END AS eta
  FROM counts c
  JOIN kneeflow.runs r ON r.id = c.run_id
  LEFT JOIN recent rc ON rc.run_id = c.run_id AND rc.dataset = c.dataset;

-- Workers that heartbeated in the last two minutes and have not deregistered.
CREATE VIEW kneeflow.active_workers AS
SELECT w.id AS worker, w.host, w.pid, w.version, w.concurrency, w.started_at,
       round(extract(epoch FROM now() - w.heartbeat_at)::numeric, 1) AS heartbeat_age_s,
       (SELECT min(j.id) FROM kneeflow.jobs j
         WHERE j.state = 'running' AND j.lease_owner = w.id) AS current_job,
       (SELECT count(*) FROM kneeflow.jobs j
         WHERE j.state = 'running' AND j.lease_owner = w.id) AS running_jobs,
       (SELECT count(*) FROM kneeflow.job_attempts a
         WHERE a.worker_id = w.id AND a.outcome = 'succeeded') AS succeeded,
       (SELECT count(*) FROM kneeflow.job_attempts a
         WHERE a.worker_id = w.id AND a.outcome IN ('retry', 'failed')) AS failed
  FROM kneeflow.workers w
 WHERE w.stopped_at IS NULL AND w.heartbeat_at > now() - interval '2 minutes';

-- The last 100 failed or retried attempts with their reasons, newest first.
CREATE VIEW kneeflow.recent_failures AS
SELECT a.ended_at, r.name AS run, j.dataset, j.case_id, j.id AS job_id, a.attempt,
       j.max_attempts, a.worker_id AS worker, a.outcome, a.error
  FROM kneeflow.job_attempts a
  JOIN kneeflow.jobs j ON j.id = a.job_id
  JOIN kneeflow.runs r ON r.id = j.run_id
 WHERE a.outcome IN ('retry', 'failed', 'lease_expired')
 ORDER BY a.ended_at DESC
 LIMIT 100;
