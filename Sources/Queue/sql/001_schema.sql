-- 001_schema: the tables of KneeFlow's job database (schema kneeflow).
-- Why: one shared PostgreSQL queue that stateless workers on any number of machines claim from
-- with FOR UPDATE SKIP LOCKED. Names and ids are arbitrary user text (any length, any
-- characters), so uniqueness is enforced on SHA-256 keys of the text, not on the text itself
-- (a btree entry cannot exceed ~2.7 kB).

CREATE FUNCTION kneeflow.text_key(t text) RETURNS bytea
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT sha256(convert_to(t, 'UTF8')) $$;

-- A run: one configuration applied to one or more datasets. The config's exact text is kept so
-- its SHA-256 can be re-checked; the jsonb copy is for queries.
CREATE TABLE kneeflow.runs (
    id            bigserial PRIMARY KEY,
    name          text NOT NULL,
    config        jsonb NOT NULL,
    config_text   text NOT NULL,
    config_sha256 text NOT NULL,
    code_version  text NOT NULL,
    model_path    text,
    model_sha256  text,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX runs_name_key ON kneeflow.runs (kneeflow.text_key(name));

-- A job: one case of one dataset in one run. state follows
-- queued -> running -> succeeded | queued (retry) | failed, and queued|running -> cancelled.
CREATE TABLE kneeflow.jobs (
    id               bigserial PRIMARY KEY,
    run_id           bigint NOT NULL REFERENCES kneeflow.runs (id) ON DELETE CASCADE,
    dataset          text NOT NULL,
    case_id          text NOT NULL,
    input_path       text NOT NULL,
    input_sha256     text,
    label            integer,
    state            text NOT NULL DEFAULT 'queued'
                     CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    priority         integer NOT NULL DEFAULT 0,
    attempts         integer NOT NULL DEFAULT 0,
    max_attempts     integer NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
    run_after        timestamptz NOT NULL DEFAULT now(),
    lease_owner      text,
    lease_token      uuid,
    lease_expires_at timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    last_error       text
);
-- Enqueueing the same (run, dataset, case) twice adds nothing.
CREATE UNIQUE INDEX jobs_case_key ON kneeflow.jobs
    (run_id, kneeflow.text_key(dataset), kneeflow.text_key(case_id));
-- The claim path: the head of the queue in (priority, id) order, queued jobs only.
CREATE INDEX jobs_claim_idx ON kneeflow.jobs (priority, id) WHERE state = 'queued';
-- The reaper and heartbeats look only at running jobs.
CREATE INDEX jobs_lease_idx ON kneeflow.jobs (lease_expires_at) WHERE state = 'running';
-- Progress per run and recent throughput.
CREATE INDEX jobs_run_state_idx ON kneeflow.jobs (run_id, state);
CREATE INDEX jobs_finished_idx ON kneeflow.jobs (finished_at) WHERE finished_at IS NOT NULL;

-- One result per succeeded job.
CREATE TABLE kneeflow.results (
    job_id      bigint PRIMARY KEY REFERENCES kneeflow.jobs (id) ON DELETE CASCADE,
    probability double precision,
    metrics     jsonb NOT NULL DEFAULT '{}',
    artifacts   jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per claim of a job: who held it, when, and how it ended.
CREATE TABLE kneeflow.job_attempts (
    id          bigserial PRIMARY KEY,
    job_id      bigint NOT NULL REFERENCES kneeflow.jobs (id) ON DELETE CASCADE,
    attempt     integer NOT NULL,
    worker_id   text NOT NULL,
    lease_token uuid NOT NULL,
    started_at  timestamptz NOT NULL,
    ended_at    timestamptz,
    outcome     text NOT NULL DEFAULT 'running'
                CHECK (outcome IN ('running', 'succeeded', 'retry', 'failed', 'lease_expired',
                                   'released', 'cancelled')),
    error       text
);
CREATE INDEX job_attempts_job_idx ON kneeflow.job_attempts (job_id);
CREATE UNIQUE INDEX job_attempts_token_idx ON kneeflow.job_attempts (lease_token);
CREATE INDEX job_attempts_worker_idx ON kneeflow.job_attempts (worker_id, outcome);
CREATE INDEX job_attempts_failures_idx ON kneeflow.job_attempts (ended_at)
    WHERE outcome IN ('retry', 'failed', 'lease_expired');

-- Worker processes (one row per process start; the id is unique per start).
CREATE TABLE kneeflow.workers (
    id           text PRIMARY KEY,
    host         text NOT NULL,
    pid          integer NOT NULL,
    version      text NOT NULL,
    concurrency  integer NOT NULL DEFAULT 1,
    started_at   timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now(),
    stopped_at   timestamptz
);
