/// The one list of statements the least-privilege roles (sql/006_roles.sql) must be refused,
/// each with SQLSTATE 42501 (insufficient_privilege). `RolePrivilegeTests` runs every one as a
/// fresh login of the role; the README's "Roles" section and the note cite this file.
enum ForbiddenStatements {
    /// Every table of schema kneeflow (the migrator's bookkeeping included).
    static let tables = ["runs", "jobs", "results", "job_attempts", "workers", "schema_migrations"]
    /// A column of each table, for the UPDATE probes.
    static let someColumn = ["runs": "name", "jobs": "state", "results": "metrics", "job_attempts": "outcome",
                             "workers": "host", "schema_migrations": "name"]
    static let views = ["progress", "active_workers", "recent_failures"]

    /// Writes to every table: INSERT, UPDATE, DELETE, TRUNCATE.
    static let tableWrites: [String] = tables.flatMap { t in [
        "INSERT INTO kneeflow.\(t) DEFAULT VALUES",
        "UPDATE kneeflow.\(t) SET \(someColumn[t]!) = \(someColumn[t]!)",
        "DELETE FROM kneeflow.\(t)",
        "TRUNCATE kneeflow.\(t)",
    ] }

    /// DDL, schema/database CREATE, server programs and files, role escalation, sequences.
    static let ddlAndServer: [String] = [
        "CREATE TABLE kneeflow.probe (i int)",
        "CREATE TABLE public.probe (i int)",
        "CREATE SCHEMA probe",
        "CREATE TEMP TABLE probe (i int)",
        "CREATE FUNCTION kneeflow.probe() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "CREATE VIEW kneeflow.probe AS SELECT 1 AS one",
        "ALTER TABLE kneeflow.jobs ADD COLUMN probe int",
        "DROP TABLE kneeflow.results",
        "ALTER FUNCTION kneeflow.reap() SECURITY INVOKER",
        "CREATE OR REPLACE FUNCTION kneeflow.reap() RETURNS integer LANGUAGE sql AS 'SELECT 0'",
        "COPY kneeflow.jobs FROM PROGRAM 'true'",
        "COPY (SELECT 1) TO PROGRAM 'true'",
        "COPY (SELECT 1) TO '/tmp/kneeflow-probe'",
        "SELECT nextval('kneeflow.jobs_id_seq')",
        "REINDEX TABLE kneeflow.jobs",
        "COMMENT ON TABLE kneeflow.jobs IS 'probe'",
        "SET ROLE kneeflow_coordinator",
        "GRANT kneeflow_coordinator TO CURRENT_USER",
    ]

    /// What a `kneeflow_worker` login must be refused.
    static let worker: [String] = tableWrites + ddlAndServer
        + tables.filter { $0 != "schema_migrations" }.map { "SELECT * FROM kneeflow.\($0)" }
        + views.map { "SELECT * FROM kneeflow.\($0)" }
        + [
            "SELECT kneeflow.cancel_run(1)",
            "SELECT kneeflow.requeue_failed(1)",
            "SELECT kneeflow.text_key('x')",
        ]

    /// What a `kneeflow_monitor` login must be refused: everything but SELECT on the views.
    static let monitor: [String] = tableWrites + ddlAndServer
        + tables.map { "SELECT * FROM kneeflow.\($0)" }
        + [
            "SELECT * FROM kneeflow.claim('m', 60, 1, NULL)",
            "SELECT kneeflow.heartbeat('m', '{}'::uuid[], 60)",
            "SELECT kneeflow.complete(1, gen_random_uuid(), 0.5, '{}', '{}')",
            "SELECT kneeflow.fail(1, gen_random_uuid(), 'e', NULL)",
            "SELECT kneeflow.release(1, gen_random_uuid())",
            "SELECT kneeflow.reap()",
            "SELECT kneeflow.register_worker('m', 'h', 1, 'v', 1)",
            "SELECT kneeflow.deregister_worker('m')",
            "SELECT * FROM kneeflow.pending(NULL)",
            "SELECT kneeflow.attempt_outcome(gen_random_uuid())",
            "SELECT * FROM kneeflow.run_by_id(1)",
            "SELECT kneeflow.cancel_run(1)",
            "SELECT kneeflow.requeue_failed(1)",
        ]

    /// What a `kneeflow_coordinator` login must be refused (it creates and reads, never updates
    /// state or writes results).
    static let coordinator: [String] = [
        "UPDATE kneeflow.jobs SET state = 'succeeded'",
        "UPDATE kneeflow.runs SET name = name",
        "INSERT INTO kneeflow.results (job_id) VALUES (1)",
        "INSERT INTO kneeflow.jobs (run_id, dataset, case_id, input_path, state) VALUES (1, 'd', 'c', '/p', 'succeeded')",
        "DELETE FROM kneeflow.jobs",
        "DELETE FROM kneeflow.results",
        "TRUNCATE kneeflow.runs",
        "INSERT INTO kneeflow.workers (id, host, pid, version) VALUES ('x', 'h', 1, 'v')",
        "INSERT INTO kneeflow.schema_migrations (version, name, checksum) VALUES (999, 'x', 'x')",
        "CREATE TABLE kneeflow.probe (i int)",
        "CREATE SCHEMA probe",
        "COPY kneeflow.jobs FROM PROGRAM 'true'",
        "SELECT * FROM kneeflow.claim('c', 60, 1, NULL)",
        "SELECT kneeflow.complete(1, gen_random_uuid(), 0.5, '{}', '{}')",
    ]
}
