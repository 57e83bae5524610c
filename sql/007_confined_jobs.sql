-- 007_confined_jobs: confined inputs, per-job deadlines, heartbeats by lease token, and attempt
-- records that tell crashes from handler errors (issue 12, deliverables 3 and 4).
-- Why:
--  * jobs.input_root: the directory every input of a dataset must resolve under. Recorded per
--    job at enqueue (per dataset: adding a dataset to an existing run does not change the run's
--    configuration or its SHA-256); the worker re-checks at read time. Jobs queued before this
--    migration get their input's own directory.
--  * job_attempts.error_kind: why an attempt ended other than by success: handler_error,
--    input_refused, deadline (the worker abandoned a hung handler), lease_expired (the worker
--    crashed or was cut off), released (given back by a stopping worker), store_full (the
--    artifact store ran out of space; never charged).
--  * heartbeat(worker, tokens, lease): extends only the leases the worker names. A worker that
--    abandoned a hung handler stops naming its token, so that job's lease can never be extended
--    by a live process. The old heartbeat(worker, lease), which extended every lease of the
--    worker, is dropped.
--  * release(job, token, kind): a release by a stopping worker is free only the first time: a
--    job released before keeps this attempt's charge (and fails when its attempts are spent),
--    so a job that hangs every worker until SIGTERM cannot cycle forever. store_full releases
--    are never charged (the disk is at fault, and the worker pauses instead).
-- Every function is SECURITY DEFINER with a fixed search_path and schema-qualified bodies (the
-- least-privilege roles of 006 call them without table privileges).

ALTER TABLE kneeflow.jobs ADD COLUMN input_root text;
UPDATE kneeflow.jobs
   SET input_root = CASE WHEN input_path ~ '^/[^/]*$' THEN '/'
                         WHEN strpos(input_path, '/') > 0 THEN regexp_replace(input_path, '/[^/]*$', '')
                         ELSE '.' END;
ALTER TABLE kneeflow.jobs ALTER COLUMN input_root SET NOT NULL;

ALTER TABLE kneeflow.job_attempts ADD COLUMN error_kind text
    CHECK (error_kind IN ('handler_error', 'input_refused', 'deadline', 'lease_expired',
                          'released', 'store_full'));
UPDATE kneeflow.job_attempts
   SET error_kind = CASE outcome WHEN 'lease_expired' THEN 'lease_expired'
                                 WHEN 'released' THEN 'released'
                                 ELSE 'handler_error' END
 WHERE outcome IN ('retry', 'failed', 'lease_expired', 'released');

-- claim: as in 004, also returning the job's input root.
DROP FUNCTION kneeflow.claim(text, double precision, integer, bigint);
CREATE FUNCTION kneeflow.claim(p_worker text, p_lease_seconds double precision,
                               p_limit integer DEFAULT 1, p_run_id bigint DEFAULT NULL)
RETURNS TABLE (id bigint, run_id bigint, dataset text, case_id text, input_path text,
               input_root text, input_sha256 text, label integer, attempt integer,
               max_attempts integer, lease_token uuid)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    v_ids bigint[];
BEGIN
    IF p_run_id IS NULL THEN
        v_ids := ARRAY(
            SELECT j.id FROM kneeflow.jobs j
             WHERE j.state = 'queued' AND j.run_after <= now()
             ORDER BY j.priority, j.id
             LIMIT p_limit
               FOR UPDATE SKIP LOCKED);
    ELSE
        v_ids := ARRAY(
            SELECT j.id FROM kneeflow.jobs j
             WHERE j.state = 'queued' AND j.run_id = p_run_id AND j.run_after <= now()
             ORDER BY j.priority, j.id
             LIMIT p_limit
               FOR UPDATE SKIP LOCKED);
    END IF;
    IF cardinality(v_ids) = 0 THEN
        RETURN;
    END IF;
    RETURN QUERY
    WITH claimed AS (
        UPDATE kneeflow.jobs j
           SET state = 'running', attempts = j.attempts + 1, lease_owner = p_worker,
               lease_token = gen_random_uuid(),
               lease_expires_at = now() + make_interval(secs => p_lease_seconds),
               started_at = now()
         WHERE j.id = ANY (v_ids)
        RETURNING j.id, j.run_id, j.dataset, j.case_id, j.input_path, j.input_root,
                  j.input_sha256, j.label, j.attempts, j.max_attempts, j.lease_token, j.priority
    ), logged AS (
        INSERT INTO kneeflow.job_attempts (job_id, attempt, worker_id, lease_token, started_at)
        SELECT c.id, c.attempts, p_worker, c.lease_token, now() FROM claimed c
    )
    SELECT c.id, c.run_id, c.dataset, c.case_id, c.input_path, c.input_root, c.input_sha256,
           c.label, c.attempts, c.max_attempts, c.lease_token
      FROM claimed c
     ORDER BY c.priority, c.id;
END
$$;

-- heartbeat: records the worker's heartbeat and extends the leases of the jobs it names (by
-- lease token) and still holds. Expired leases are not revived. Returns how many were extended.
DROP FUNCTION kneeflow.heartbeat(text, double precision);
CREATE FUNCTION kneeflow.heartbeat(p_worker text, p_tokens uuid[], p_lease_seconds double precision)
RETURNS integer
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    WITH w AS (
        UPDATE kneeflow.workers SET heartbeat_at = now() WHERE id = p_worker
    ), j AS (
        UPDATE kneeflow.jobs
           SET lease_expires_at = now() + make_interval(secs => p_lease_seconds)
         WHERE state = 'running' AND lease_owner = p_worker AND lease_token = ANY (p_tokens)
           AND lease_expires_at > now()
        RETURNING 1
    )
    SELECT count(*)::integer FROM j
$$;

-- fail with a kind: as 002's fail, recording why the attempt ended (handler_error,
-- input_refused or deadline). NULL = lease lost.
CREATE FUNCTION kneeflow.fail(p_job bigint, p_token uuid, p_error text,
                              p_retry_delay_seconds double precision, p_kind text)
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_state text;
BEGIN
    IF p_kind IS NULL OR p_kind NOT IN ('handler_error', 'input_refused', 'deadline') THEN
        RAISE EXCEPTION 'fail: kind must be handler_error, input_refused or deadline, got %', p_kind
            USING ERRCODE = '22023';
    END IF;
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
           error = p_error, error_kind = p_kind
     WHERE lease_token = p_token;
    RETURN v_state;
END
$$;

-- 002's fail keeps working: a handler error.
CREATE OR REPLACE FUNCTION kneeflow.fail(p_job bigint, p_token uuid, p_error text,
                                         p_retry_delay_seconds double precision)
RETURNS text
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT kneeflow.fail(p_job, p_token, p_error, p_retry_delay_seconds, 'handler_error')
$$;

-- release with a kind: 'released' (a stopping worker) is free only if the job was never
-- released by a stopping worker before; otherwise the attempt stays charged and the job fails
-- once its attempts are spent. 'store_full' is never charged. False = lease lost.
CREATE FUNCTION kneeflow.release(p_job bigint, p_token uuid, p_kind text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_charge boolean;
    v_state text;
    v_error text;
BEGIN
    IF p_kind IS NULL OR p_kind NOT IN ('released', 'store_full') THEN
        RAISE EXCEPTION 'release: kind must be released or store_full, got %', p_kind
            USING ERRCODE = '22023';
    END IF;
    v_charge := p_kind = 'released' AND EXISTS (
        SELECT 1 FROM kneeflow.job_attempts a
         WHERE a.job_id = p_job AND a.outcome = 'released' AND a.error_kind = 'released');
    UPDATE kneeflow.jobs
       SET state = CASE WHEN v_charge AND attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
           attempts = CASE WHEN v_charge THEN attempts ELSE greatest(attempts - 1, 0) END,
           finished_at = CASE WHEN v_charge AND attempts >= max_attempts THEN now() END,
           last_error = CASE WHEN v_charge AND attempts >= max_attempts
                             THEN 'released by stopping workers again and again; attempts exhausted'
                             ELSE last_error END,
           run_after = now(), lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
     WHERE id = p_job AND lease_token = p_token AND state = 'running'
    RETURNING state, last_error INTO v_state, v_error;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    UPDATE kneeflow.job_attempts
       SET ended_at = now(), outcome = CASE WHEN v_state = 'failed' THEN 'failed' ELSE 'released' END,
           error_kind = p_kind,
           error = CASE WHEN v_state = 'failed' THEN v_error
                        WHEN p_kind = 'store_full' THEN 'artifact store full; released without charge'
                        WHEN v_charge THEN 'released by a stopping worker (charged: released before)'
                        ELSE 'released by a stopping worker' END
     WHERE lease_token = p_token;
    PERFORM pg_notify('kneeflow_jobs', '');
    RETURN true;
END
$$;

-- 002's release keeps working: a stopping worker's release.
CREATE OR REPLACE FUNCTION kneeflow.release(p_job bigint, p_token uuid)
RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT kneeflow.release(p_job, p_token, 'released')
$$;

-- reap: as 002's, recording the attempt's kind (lease_expired: a crash or a cut-off worker).
CREATE OR REPLACE FUNCTION kneeflow.reap()
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
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
           SET ended_at = now(), outcome = 'lease_expired', error = 'lease expired',
               error_kind = 'lease_expired'
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

-- recent_failures: as 003's, with the attempt's kind as a last column.
CREATE OR REPLACE VIEW kneeflow.recent_failures AS
SELECT a.ended_at, r.name AS run, j.dataset, j.case_id, j.id AS job_id, a.attempt,
       j.max_attempts, a.worker_id AS worker, a.outcome, a.error, a.error_kind
  FROM kneeflow.job_attempts a
  JOIN kneeflow.jobs j ON j.id = a.job_id
  JOIN kneeflow.runs r ON r.id = j.run_id
 WHERE a.outcome IN ('retry', 'failed', 'lease_expired')
 ORDER BY a.ended_at DESC
 LIMIT 100;

-- Privileges (006's roles). Re-created and new functions start with no grants (and, created
-- after 006's default-privilege change, not PUBLIC-executable); functions replaced in place keep
-- theirs. The worker calls the kind-taking fail/release and the token heartbeat; 002's
-- fail/4 and release/2 stay as wrappers for psql and pgbench users (the schema owner), so the
-- worker no longer needs them.
REVOKE ALL ON FUNCTION
    kneeflow.claim(text, double precision, integer, bigint),
    kneeflow.heartbeat(text, uuid[], double precision),
    kneeflow.fail(bigint, uuid, text, double precision, text),
    kneeflow.release(bigint, uuid, text)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    kneeflow.claim(text, double precision, integer, bigint),
    kneeflow.heartbeat(text, uuid[], double precision),
    kneeflow.fail(bigint, uuid, text, double precision, text),
    kneeflow.release(bigint, uuid, text)
    TO kneeflow_worker;
REVOKE EXECUTE ON FUNCTION
    kneeflow.fail(bigint, uuid, text, double precision),
    kneeflow.release(bigint, uuid)
    FROM kneeflow_worker;
-- Enqueue writes each job's input root.
GRANT INSERT (input_root) ON kneeflow.jobs TO kneeflow_coordinator;
