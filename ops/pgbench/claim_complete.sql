-- KneeFlow's own claim + complete, exactly as a worker sends them (QueueSQL.claim / .complete),
-- one claim and one completion per transaction each (autocommit), like `kneeflow work`.
-- Variables: run (the run id, -D run=N); client_id is pgbench's.
SELECT id, lease_token FROM kneeflow.claim('pgbench-' || :client_id, 60::float8, 1::int, :run::bigint) \gset
SELECT kneeflow.complete(:id::bigint, :lease_token::uuid, NULL::float8, '{}'::jsonb, '{}'::jsonb) AS ok;
