-- 005_job_state: the job states as a type of their own.
-- Why: the states were a literal list in the jobs.state check (001) and string literals on the
-- Swift side. kneeflow.job_state names them once for SQL, in lifecycle order, and the column's
-- check now accepts exactly its labels, so the type is the one list the database enforces. The
-- Swift enum `JobState` (Sources/Common/JobState.swift) has the same cases in the same order; a
-- test (MigrationTests) compares the two. The column stays text, so the functions, views and
-- psql queries that compare it with 'queued' etc. are unchanged.

CREATE TYPE kneeflow.job_state AS ENUM ('queued', 'running', 'succeeded', 'failed', 'cancelled');

COMMENT ON TYPE kneeflow.job_state IS
    'queued: waiting to be claimed (new, retry after backoff, reaped, released); '
    'running: claimed under a lease; succeeded: result stored (final); '
    'failed: permanent error or attempts exhausted, last_error says why (final); '
    'cancelled: withdrawn by cancel_run (final)';

ALTER TABLE kneeflow.jobs
    DROP CONSTRAINT jobs_state_check,
    ADD CONSTRAINT jobs_state_check
        CHECK (state = ANY (enum_range(NULL::kneeflow.job_state)::text[]));
