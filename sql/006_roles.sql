-- 006_roles: least-privilege group roles; every worker state change through SECURITY DEFINER
-- functions.
-- Why: until now one role did everything, so a worker needed the right to UPDATE and INSERT any
-- row (it could write the result of another run's job) and to CREATE (it migrated). From here on
-- three NOLOGIN group roles carry the rights of each kind of client; logins are made members of
-- one of them (`CREATE ROLE w1 LOGIN PASSWORD … IN ROLE kneeflow_worker`):
--   kneeflow_worker       EXECUTE on the worker functions below and SELECT on schema_migrations
--                         (it checks the schema version, never migrates); no table writes, no
--                         DDL, no TEMP.
--   kneeflow_coordinator  create runs and enqueue (INSERT of the enqueue columns only, TEMP for
--                         the COPY staging table), read runs/jobs/results/attempts/workers,
--                         delete runs, cancel_run, requeue_failed; no UPDATE anywhere, no
--                         result writes.
--   kneeflow_monitor      SELECT on the monitoring views (003) only; views run with their
--                         owner's rights, so it needs nothing on the tables.
-- The functions run as their owner (the role that migrates), with search_path fixed to
-- pg_catalog, pg_temp, and every name in their bodies schema-qualified; none builds SQL from its
-- arguments. Completion, failure and release stay fenced by the lease token (002), so a worker
-- can change only a job it holds. Roles are cluster-wide and several databases of one cluster
-- may migrate at once: creating them tolerates a concurrent creator.

DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['kneeflow_coordinator', 'kneeflow_worker', 'kneeflow_monitor'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
            BEGIN
                EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
            EXCEPTION
                WHEN duplicate_object OR unique_violation THEN
                    NULL;  -- another database's migration created it a moment ago
                WHEN insufficient_privilege THEN
                    RAISE EXCEPTION 'migration 006 needs the group role % and the migrating role may not create roles', r
                        USING HINT = 'create kneeflow_coordinator, kneeflow_worker and kneeflow_monitor (NOLOGIN) as an '
                                     'administrator, or give the migrating role CREATEROLE, then migrate again';
            END;
        END IF;
    END LOOP;
END
$$;

-- The functions 002/004 created, now run as their owner with a fixed search_path (their bodies
-- already qualify every kneeflow name; the rest is pg_catalog).
ALTER FUNCTION kneeflow.claim(text, double precision, integer, bigint)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION kneeflow.heartbeat(text, double precision)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION kneeflow.complete(bigint, uuid, double precision, jsonb, jsonb)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION kneeflow.fail(bigint, uuid, text, double precision)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION kneeflow.release(bigint, uuid)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION kneeflow.reap()
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION kneeflow.cancel_run(bigint)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION kneeflow.requeue_failed(bigint)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- What workers did with plain statements until now.

-- Registers a worker process (one row per process start).
CREATE FUNCTION kneeflow.register_worker(p_id text, p_host text, p_pid integer, p_version text,
                                         p_concurrency integer)
RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO kneeflow.workers (id, host, pid, version, concurrency)
    VALUES (p_id, p_host, p_pid, p_version, p_concurrency)
$$;

-- Marks a worker stopped (it leaves active_workers); true when the worker was registered.
CREATE FUNCTION kneeflow.deregister_worker(p_id text)
RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    WITH upd AS (
        UPDATE kneeflow.workers SET stopped_at = pg_catalog.now()
         WHERE id = p_id AND stopped_at IS NULL
        RETURNING 1
    )
    SELECT EXISTS (SELECT 1 FROM upd)
$$;

-- How much work is left for an idle worker (one run, or NULL = all): queued jobs counted up to
-- 1000, running jobs, seconds until the earliest queued job is due. Each part reads one partial
-- index (jobs_claim_idx / jobs_claim_run_idx / jobs_lease_idx).
CREATE FUNCTION kneeflow.pending(p_run_id bigint)
RETURNS TABLE (queued bigint, running bigint, next_due_s double precision)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT (SELECT count(*) FROM (SELECT 1 FROM kneeflow.jobs
             WHERE state = 'queued' AND (p_run_id IS NULL OR run_id = p_run_id) LIMIT 1000) q),
           (SELECT count(*) FROM kneeflow.jobs
             WHERE state = 'running' AND (p_run_id IS NULL OR run_id = p_run_id)),
           (SELECT extract(epoch FROM min(run_after) - now())::double precision FROM kneeflow.jobs
             WHERE state = 'queued' AND (p_run_id IS NULL OR run_id = p_run_id))
$$;

-- How the attempt of this lease token ended ('running', 'succeeded', …), NULL for an unknown
-- token: a worker whose completion reply was lost with the connection asks whether it committed.
-- Only the holder knows the token (it is a random uuid handed out by claim).
CREATE FUNCTION kneeflow.attempt_outcome(p_token uuid)
RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT outcome FROM kneeflow.job_attempts WHERE lease_token = p_token
$$;

-- A run's provenance (workers load the configuration of each run they meet).
CREATE FUNCTION kneeflow.run_by_id(p_run_id bigint)
RETURNS TABLE (id bigint, name text, config_text text, config_sha256 text, code_version text,
               model_path text, model_sha256 text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT r.id, r.name, r.config_text, r.config_sha256, r.code_version, r.model_path, r.model_sha256
      FROM kneeflow.runs r WHERE r.id = p_run_id
$$;

-- A run by its exact name (`kneeflow work --run NAME`).
CREATE FUNCTION kneeflow.run_by_name(p_name text)
RETURNS TABLE (id bigint, name text, config_text text, config_sha256 text, code_version text,
               model_path text, model_sha256 text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT r.id, r.name, r.config_text, r.config_sha256, r.code_version, r.model_path, r.model_sha256
      FROM kneeflow.runs r
     WHERE kneeflow.text_key(r.name) = kneeflow.text_key(p_name) AND r.name = p_name
$$;

-- Nobody but the owner gets anything by default: not on what exists, nor on functions created
-- later by the migrating role (PostgreSQL grants EXECUTE to PUBLIC on every new function unless
-- the global default says otherwise; a per-schema default cannot take it away).
REVOKE ALL ON SCHEMA kneeflow FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA kneeflow FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA kneeflow FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA kneeflow FROM PUBLIC;
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA kneeflow REVOKE ALL ON TABLES FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA kneeflow REVOKE ALL ON SEQUENCES FROM PUBLIC;

-- Database level: no TEMP and no CREATE for PUBLIC (the coordinator's enqueue stages its COPY in
-- a temporary table), and no CREATE in schema public (PostgreSQL 15's default, made explicit for
-- databases created from older templates). GRANT/REVOKE ON DATABASE is per database, so it names
-- the database being migrated; it needs the database's owner (another role gets a WARNING and
-- nothing changes: the tests run as the owner and check the result).
DO $$
BEGIN
    EXECUTE pg_catalog.format('REVOKE TEMPORARY, CREATE ON DATABASE %I FROM PUBLIC', pg_catalog.current_database());
    EXECUTE pg_catalog.format('GRANT TEMPORARY ON DATABASE %I TO kneeflow_coordinator', pg_catalog.current_database());
END
$$;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- kneeflow_worker: the worker functions and the schema version, nothing else.
GRANT USAGE ON SCHEMA kneeflow TO kneeflow_worker, kneeflow_coordinator, kneeflow_monitor;
GRANT SELECT ON kneeflow.schema_migrations TO kneeflow_worker, kneeflow_coordinator;
GRANT EXECUTE ON FUNCTION
    kneeflow.claim(text, double precision, integer, bigint),
    kneeflow.heartbeat(text, double precision),
    kneeflow.complete(bigint, uuid, double precision, jsonb, jsonb),
    kneeflow.fail(bigint, uuid, text, double precision),
    kneeflow.release(bigint, uuid),
    kneeflow.reap(),
    kneeflow.register_worker(text, text, integer, text, integer),
    kneeflow.deregister_worker(text),
    kneeflow.pending(bigint),
    kneeflow.attempt_outcome(uuid),
    kneeflow.run_by_id(bigint),
    kneeflow.run_by_name(text)
    TO kneeflow_worker;

-- kneeflow_coordinator: runs and jobs are inserted with the enqueue columns only (state,
-- attempts, leases and timestamps keep their defaults), nothing is updated directly, results
-- are never written; deleting a run cascades as the table owner.
GRANT SELECT ON kneeflow.runs, kneeflow.jobs, kneeflow.results, kneeflow.job_attempts, kneeflow.workers
    TO kneeflow_coordinator;
GRANT INSERT (name, config, config_text, config_sha256, code_version, model_path, model_sha256)
    ON kneeflow.runs TO kneeflow_coordinator;
GRANT INSERT (run_id, dataset, case_id, input_path, input_sha256, label, priority, max_attempts)
    ON kneeflow.jobs TO kneeflow_coordinator;
GRANT DELETE ON kneeflow.runs TO kneeflow_coordinator;
GRANT USAGE ON SEQUENCE kneeflow.runs_id_seq, kneeflow.jobs_id_seq TO kneeflow_coordinator;
GRANT EXECUTE ON FUNCTION
    kneeflow.text_key(text),
    kneeflow.cancel_run(bigint),
    kneeflow.requeue_failed(bigint),
    kneeflow.run_by_id(bigint),
    kneeflow.run_by_name(text)
    TO kneeflow_coordinator;
GRANT SELECT ON kneeflow.progress, kneeflow.active_workers, kneeflow.recent_failures
    TO kneeflow_coordinator, kneeflow_monitor;
