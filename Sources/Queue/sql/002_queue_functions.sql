-- 002_queue_functions: the queue's state transitions as SQL functions, so psql users, pgbench
-- (ops/) and every worker share one definition. Completion and failure are fenced by the lease
-- token: a worker whose lease expired or was taken over changes nothing.

-- Claims up to p_limit due jobs (priority, then id) for p_worker under a lease of
-- p_lease_seconds, in one statement: SKIP LOCKED lets concurrent claimers pass each other.
CREATE FUNCTION kneeflow.claim(p_worker text, p_lease_seconds double precision,
                               p_limit integer DEFAULT 1, p_run_id bigint DEFAULT NULL)
RETURNS TABLE (id bigint, run_id bigint, dataset text, case_id text, input_path text,
               input_sha256 text, label integer, attempt integer, max_attempts integer,
               lease_token uuid)
LANGUAGE sql VOLATILE AS $$
    WITH picked AS (
        SELECT j.id
          FROM kneeflow.jobs j
         WHERE j.state = 'queued' AND j.run_after <= now()
           AND (p_run_id IS NULL OR j.run_id = p_run_id)
         ORDER BY j.priority, j.id
         LIMIT p_limit
           FOR UPDATE SKIP LOCKED
    ), claimed AS (
        UPDATE kneeflow.jobs j
           SET state = 'running', attempts = j.attempts + 1, lease_owner = p_worker,
               lease_token = gen_random_uuid(),
               lease_expires_at = now() + make_interval(secs => p_lease_seconds),
               started_at = now()
          FROM picked
         WHERE j.id = picked.id
        RETURNING j.id, j.run_id, j.dataset, j.case_id, j.input_path, j.input_sha256, j.label,
                  j.attempts, j.max_attempts, j.lease_token, j.priority
    ), logged AS (
        INSERT INTO kneeflow.job_attempts (job_id, attempt, worker_id, lease_token, started_at)
        SELECT c.id, c.attempts, p_worker, c.lease_token, now() FROM claimed c
    )
    SELECT c.id, c.run_id, c.dataset, c.case_id, c.input_path, c.input_sha256, c.label,
           c.attempts, c.max_attempts, c.lease_token
      FROM claimed c
     ORDER BY c.priority, c.id
$$;

-- Extends the leases of every job p_worker still holds (and its heartbeat). Expired leases are
-- not revived: the reaper or another worker may already own the job.
CREATE FUNCTION kneeflow.heartbeat(p_worker text, p_lease_seconds double precision)
RETURNS integer
LANGUAGE sql VOLATILE AS $$
    WITH w AS (
        UPDATE kneeflow.workers SET heartbeat_at = now() WHERE id = p_worker
    ), j AS (
        UPDATE kneeflow.jobs
           SET lease_expires_at = now() + make_interval(secs => p_lease_seconds)
         WHERE state = 'running' AND lease_owner = p_worker AND lease_expires_at > now()
        RETURNING 1
    )
    SELECT count(*)::integer FROM j
$$;

-- Marks a job succeeded and stores its result, in one transaction, only while the caller's
-- lease is current. Returns false (and writes nothing) when the lease was lost.
CREATE FUNCTION kneeflow.complete(p_job bigint, p_token uuid, p_probability double precision,
                                  p_metrics jsonb, p_artifacts jsonb)
RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    UPDATE kneeflow.jobs
       SET state = 'succeeded', finished_at = now(), last_error = NULL,
           lease_token = NULL, lease_expires_at = NULL
     WHERE id = p_job AND lease_token = p_token AND state = 'running'
       AND lease_expires_at > now();
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    INSERT INTO kneeflow.results (job_id, probability, metrics, artifacts)
    VALUES (p_job, p_probability, coalesce(p_metrics, '{}'), coalesce(p_artifacts, '{}'))
    ON CONFLICT (job_id) DO UPDATE
       SET probability = EXCLUDED.probability, metrics = EXCLUDED.metrics,
           artifacts = EXCLUDED.artifacts, created_at = now();
    UPDATE kneeflow.job_attempts SET ended_at = now(), outcome = 'succeeded'
     WHERE lease_token = p_token;
    RETURN true;
END
$$;

-- Records a failed attempt. p_retry_delay_seconds NULL means permanent: the job fails now.
-- Otherwise it is queued again after the delay, unless its attempts are exhausted.
-- Returns the job's new state ('queued' or 'failed'), or NULL when the lease was lost.
CREATE FUNCTION kneeflow.fail(p_job bigint, p_token uuid, p_error text,
                              p_retry_delay_seconds double precision)
RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_state text;
BEGIN
    UPDATE kneeflow.jobs
       SET state = CASE WHEN p_retry_delay_seconds IS NULL OR attempts >= max_attempts
                        THEN 'failed' ELSE 'queued' END,
           run_after = now() + make_interval(secs => coalesce(p_retry_delay_seconds, 0)),
           finished_at = CASE WHEN p_retry_delay_seconds IS NULL OR attempts >= max_attempts
                              THEN now() END,
           last_error = p_error, lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
     WHERE id = p_job AND lease_token = p_token AND state = 'running'
    RETURNING state INTO v_state;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    UPDATE kneeflow.job_attempts
       SET ended_at = now(), outcome = CASE WHEN v_state = 'failed' THEN 'failed' ELSE 'retry' END,
           error = p_error
     WHERE lease_token = p_token;
    RETURN v_state;
END
$$;

-- Gives a job back without charging an attempt (graceful shutdown that ran out of time).
CREATE FUNCTION kneeflow.release(p_job bigint, p_token uuid)
RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    UPDATE kneeflow.jobs
       SET state = 'queued', attempts = greatest(attempts - 1, 0), run_after = now(),
           lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
     WHERE id = p_job AND lease_token = p_token AND state = 'running';
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    UPDATE kneeflow.job_attempts SET ended_at = now(), outcome = 'released'
     WHERE lease_token = p_token;
    PERFORM pg_notify('kneeflow_jobs', '');
    RETURN true;
END
$$;

-- Puts jobs whose lease expired back in the queue (or fails them when their attempts are
-- exhausted). Guarded by an advisory lock so only one worker reaps at a time; returns the
-- number of jobs reaped (0 when another session holds the guard).
CREATE FUNCTION kneeflow.reap()
RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    n integer;
BEGIN
    IF NOT pg_try_advisory_xact_lock(7468930002) THEN
        RETURN 0;
    END IF;
    WITH expired AS (
        SELECT j.id, j.lease_token FROM kneeflow.jobs j
         WHERE j.state = 'running' AND j.lease_expires_at < now()
           FOR UPDATE SKIP LOCKED
    ), upd AS (
        UPDATE kneeflow.jobs j
           SET state = CASE WHEN j.attempts >= j.max_attempts THEN 'failed' ELSE 'queued' END,
               finished_at = CASE WHEN j.attempts >= j.max_attempts THEN now() END,
               run_after = now(),
               last_error = 'lease expired: worker ' || coalesce(j.lease_owner, '?')
                            || ' stopped heartbeating',
               lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
          FROM expired e
         WHERE j.id = e.id
        RETURNING e.lease_token
    ), att AS (
        UPDATE kneeflow.job_attempts a
           SET ended_at = now(), outcome = 'lease_expired', error = 'lease expired'
          FROM upd
         WHERE a.lease_token = upd.lease_token
    )
    SELECT count(*) INTO n FROM upd;
    IF n > 0 THEN
        PERFORM pg_notify('kneeflow_jobs', '');
    END IF;
    RETURN n;
END
$$;

-- Cancels every queued or running job of a run; returns how many.
CREATE FUNCTION kneeflow.cancel_run(p_run_id bigint)
RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    n integer;
BEGIN
    WITH upd AS (
        UPDATE kneeflow.jobs
           SET state = 'cancelled', finished_at = now(),
               lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
         WHERE run_id = p_run_id AND state IN ('queued', 'running')
        RETURNING id
    ), att AS (
        UPDATE kneeflow.job_attempts a SET ended_at = now(), outcome = 'cancelled'
          FROM upd WHERE a.job_id = upd.id AND a.outcome = 'running'
    )
    SELECT count(*) INTO n FROM upd;
    RETURN n;
END
$$;

-- Queues the failed jobs of a run again with a fresh attempt budget; returns how many.
CREATE FUNCTION kneeflow.requeue_failed(p_run_id bigint)
RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    n integer;
BEGIN
    UPDATE kneeflow.jobs
       SET state = 'queued', attempts = 0, run_after = now(), finished_at = NULL
     WHERE run_id = p_run_id AND state = 'failed';
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
        PERFORM pg_notify('kneeflow_jobs', '');
    END IF;
    RETURN n;
END
$$;
