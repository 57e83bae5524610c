-- 004_claim_plan: a claim whose plan never scans the jobs table.
-- Why: 002's claim was a LANGUAGE sql function planned on every call with generic parameters;
-- its UPDATE ... FROM picked could be planned as a hash join over the whole jobs table, making a
-- claim cost tens of milliseconds on a large queue. This version takes the ids first (the head of
-- the partial claim index, SKIP LOCKED), then updates them through the primary key with
-- = ANY(ids). Claims restricted to one run get their own partial index in (priority, id) order.

CREATE INDEX jobs_claim_run_idx ON kneeflow.jobs (run_id, priority, id) WHERE state = 'queued';

CREATE OR REPLACE FUNCTION kneeflow.claim(p_worker text, p_lease_seconds double precision,
                                          p_limit integer DEFAULT 1, p_run_id bigint DEFAULT NULL)
RETURNS TABLE (id bigint, run_id bigint, dataset text, case_id text, input_path text,
               input_sha256 text, label integer, attempt integer, max_attempts integer,
               lease_token uuid)
LANGUAGE plpgsql VOLATILE AS $$
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
        RETURNING j.id, j.run_id, j.dataset, j.case_id, j.input_path, j.input_sha256, j.label,
                  j.attempts, j.max_attempts, j.lease_token, j.priority
    ), logged AS (
        INSERT INTO kneeflow.job_attempts (job_id, attempt, worker_id, lease_token, started_at)
        SELECT c.id, c.attempts, p_worker, c.lease_token, now() FROM claimed c
    )
    SELECT c.id, c.run_id, c.dataset, c.case_id, c.input_path, c.input_sha256, c.label,
           c.attempts, c.max_attempts, c.lease_token
      FROM claimed c
     ORDER BY c.priority, c.id;
END
$$;
