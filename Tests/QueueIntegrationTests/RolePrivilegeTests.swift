import Common
import Foundation
import Postgres
import Queue
import TestSupport
import XCTest

/// The least-privilege roles of sql/006_roles.sql, tried as fresh LOGIN members of each group
/// role over the test cluster's unix socket: every statement of `ForbiddenStatements` fails with
/// SQLSTATE 42501, each role can do its own work, lease-token fencing holds against a worker
/// that guesses, and the functions are SECURITY DEFINER with a fixed search_path and no PUBLIC
/// EXECUTE. Each test migrates its own fresh database (not a template copy: GRANT/REVOKE ON
/// DATABASE, which the migration does, is not copied by CREATE DATABASE … TEMPLATE).
final class RolePrivilegeTests: XCTestCase {
    var url: String!
    var owner: PostgresConnection!
    var logins: [String] = []

    override func setUpWithError() throws {
        url = try TestDatabase.shared.makeDatabase()
        owner = try PostgresConnection(url)
        try Migrator().migrate(owner)
    }

    override func tearDown() {
        for l in logins { _ = try? owner?.execute("DROP ROLE IF EXISTS \(identifier: l)") }
        owner?.close()
    }

    /// A new LOGIN role in `group`, connected (trust over the unix socket).
    func login(_ group: String) throws -> PostgresConnection {
        let name = "\(group.dropFirst("kneeflow_".count).prefix(1))_\(UInt32.random(in: 0...UInt32.max))"
        try owner.execute(PostgresQuery(unsafeSQL: "CREATE ROLE \(name) LOGIN IN ROLE \(group)"))
        logins.append(name)
        let c = try PostgresConnection(url + "&user=\(name)")
        XCTAssertEqual(try c.query("SELECT current_user AS u").first?.decode(String.self, column: "u"), name)
        return c
    }

    /// Runs each statement and returns those that did not fail with 42501.
    func notRefused(_ statements: [String], as c: PostgresConnection) -> [String] {
        statements.compactMap { sql in
            do {
                try c.execute(PostgresQuery(unsafeSQL: sql))
                return "\(sql) → succeeded"
            } catch let e as PostgresError where e.sqlState == "42501" {
                return nil
            } catch {
                return "\(sql) → \(error)"
            }
        }
    }

    func testWorkerIsRefusedEveryForbiddenStatement() throws {
        let w = try login("kneeflow_worker")
        defer { w.close() }
        XCTAssertEqual(notRefused(ForbiddenStatements.worker, as: w), [])
        XCTAssertGreaterThan(ForbiddenStatements.worker.count, 50)
    }

    func testMonitorIsRefusedEveryForbiddenStatementAndReadsEachView() throws {
        try seedRun(name: "m", cases: ["a"])
        let m = try login("kneeflow_monitor")
        defer { m.close() }
        XCTAssertEqual(notRefused(ForbiddenStatements.monitor, as: m), [])
        for v in ForbiddenStatements.views {
            XCTAssertNoThrow(try m.query(PostgresQuery(unsafeSQL: "SELECT * FROM kneeflow.\(v)")), v)
        }
        let rows = try StatusReader(connection: m).progress(run: "m")
        XCTAssertEqual(rows.map(\.total), [1])
    }

    func testCoordinatorEnqueuesCancelsReadsAndDeletesButWritesNoState() throws {
        let c = try login("kneeflow_coordinator")
        defer { c.close() }
        XCTAssertEqual(try Migrator().migrate(c), [], "a current schema needs no DDL")
        XCTAssertEqual(notRefused(ForbiddenStatements.coordinator, as: c), [])
        let coord = Coordinator(connection: c)
        let run = try coord.createRun(name: "c1", configJSON: "{}", codeVersion: "v")
        let r = try coord.enqueue(runId: run.id, jobs: ["a", "b"].map { NewJob(dataset: "d", caseId: $0, inputPath: "/in/\($0)") })
        XCTAssertEqual(r.inserted, 2)
        XCTAssertEqual(try ResultsReader(connection: c).jobs(runId: run.id).count, 2)
        XCTAssertEqual(try coord.cancel(runId: run.id), 2)
        XCTAssertEqual(try coord.requeueFailed(runId: run.id), 0)
        XCTAssertEqual(try c.execute(QueueSQL.deleteRun(run.id)), 1)
        XCTAssertEqual(try owner.query("SELECT count(*) AS n FROM kneeflow.jobs").first?.decode(Int.self, column: "n"), 0)
    }

    @discardableResult
    func seedRun(name: String, cases: [String]) throws -> Int64 {
        let coord = Coordinator(connection: owner)
        let run = try coord.createRun(name: name, configJSON: "{}", codeVersion: "v")
        try coord.enqueue(runId: run.id, jobs: cases.map { NewJob(dataset: "d", caseId: $0, inputPath: "/in/\($0)") })
        return run.id
    }

    func claim(_ c: PostgresConnection, worker: String, runId: Int64) throws -> (id: Int64, token: String) {
        let row = try XCTUnwrap(c.query(QueueSQL.claim(worker: worker, leaseSeconds: 600, limit: 1, runId: runId)).first)
        return (try row.decode(Int64.self, column: "id"), try row.decode(String.self, column: "lease_token"))
    }

    func jobState(_ id: Int64) throws -> (state: String, token: String?, results: Int) {
        let r = try XCTUnwrap(owner.query("""
            SELECT state, lease_token::text AS token, (SELECT count(*) FROM kneeflow.results WHERE job_id = j.id) AS results
              FROM kneeflow.jobs j WHERE id = \(id)
            """).first)
        return (try r.decode(String.self, column: "state"), try r.decode(String?.self, column: "token"), try r.decode(Int.self, column: "results"))
    }

    func testWorkerRoleAloneRunsTheWholeLifecycle() throws {
        let runId = try seedRun(name: "life", cases: ["a", "b", "c"])
        let w = try login("kneeflow_worker")
        defer { w.close() }
        try Migrator().requireCurrent(w)
        try w.execute(QueueSQL.registerWorker(id: "w1", host: "h", pid: 1, version: "v", concurrency: 1))
        try w.listen(QueueSQL.channel)
        XCTAssertEqual(try w.query(QueueSQL.runById(runId)).first?.decode(String.self, column: "name"), "life")
        XCTAssertEqual(try w.query(QueueSQL.runByName("life")).first?.decode(Int64.self, column: "id"), runId)
        XCTAssertEqual(try w.query(QueueSQL.pending(runId: runId)).first?.decode(Int.self, column: "queued"), 3)

        let a = try claim(w, worker: "w1", runId: runId)
        XCTAssertEqual(try w.query(QueueSQL.heartbeat(worker: "w1", tokens: [a.token], leaseSeconds: 600)).first?.decode(Int.self, column: "extended"), 1)
        XCTAssertEqual(try w.query(QueueSQL.complete(jobId: a.id, token: a.token, output: JobOutput(probability: 0.25)))
            .first?.decode(Bool.self, column: "ok"), true)
        XCTAssertEqual(try w.query(QueueSQL.attemptOutcome(token: a.token)).first?.decode(String?.self, column: "outcome"), "succeeded")

        let b = try claim(w, worker: "w1", runId: runId)
        XCTAssertEqual(try w.query(QueueSQL.fail(jobId: b.id, token: b.token, error: "bad volume", retryDelay: nil))
            .first?.decode(String?.self, column: "state"), "failed")
        let c = try claim(w, worker: "w1", runId: runId)
        XCTAssertEqual(try w.query(QueueSQL.release(jobId: c.id, token: c.token)).first?.decode(Bool.self, column: "ok"), true)
        XCTAssertNoThrow(try w.query(QueueSQL.reap))
        XCTAssertEqual(try w.query(QueueSQL.deregisterWorker(id: "w1")).first?.decode(Bool.self, column: "ok"), true)

        XCTAssertEqual(try jobState(a.id).state, "succeeded")
        XCTAssertEqual(try jobState(a.id).results, 1)
        XCTAssertEqual(try jobState(b.id).state, "failed")
        XCTAssertEqual(try jobState(c.id).state, "queued")
    }

    /// A worker holding job A of run 1 tries to complete, fail and release job B of run 2 (held
    /// by another worker) with its own token, and its own job with a guessed token: nothing
    /// changes, no result is written, and the holder still completes B.
    func testWorkerCannotTouchAJobItDoesNotHold() throws {
        let run1 = try seedRun(name: "r1", cases: ["a"])
        let run2 = try seedRun(name: "r2", cases: ["b"])
        let w1 = try login("kneeflow_worker"), w2 = try login("kneeflow_worker")
        defer { w1.close(); w2.close() }
        let a = try claim(w1, worker: "w1", runId: run1)
        let b = try claim(w2, worker: "w2", runId: run2)
        let expiresBefore = try owner.query("SELECT lease_expires_at::text AS e FROM kneeflow.jobs WHERE id = \(b.id)").first?.decode(String.self, column: "e")
        let guess = UUID().uuidString.lowercased()
        let out = JobOutput(probability: 0.99)
        for (job, token) in [(b.id, a.token), (a.id, guess), (b.id, guess)] {
            XCTAssertEqual(try w1.query(QueueSQL.complete(jobId: job, token: token, output: out)).first?.decode(Bool.self, column: "ok"), false)
            XCTAssertNil(try w1.query(QueueSQL.fail(jobId: job, token: token, error: "x", retryDelay: nil)).first?.decode(String?.self, column: "state"))
            XCTAssertEqual(try w1.query(QueueSQL.release(jobId: job, token: token)).first?.decode(Bool.self, column: "ok"), false)
        }
        XCTAssertNil(try w1.query(QueueSQL.attemptOutcome(token: guess)).first?.decode(String?.self, column: "outcome"))
        // w1's heartbeat extends only the lease it names and holds: naming w2 (its id is no
        // secret) with its own or a guessed token extends nothing.
        XCTAssertEqual(try w1.query(QueueSQL.heartbeat(worker: "w2", tokens: [a.token, guess], leaseSeconds: 900)).first?.decode(Int.self, column: "extended"), 0)
        XCTAssertEqual(try w1.query(QueueSQL.heartbeat(worker: "w1", tokens: [a.token, guess], leaseSeconds: 900)).first?.decode(Int.self, column: "extended"), 1)
        XCTAssertEqual(try owner.query("SELECT lease_expires_at::text AS e FROM kneeflow.jobs WHERE id = \(b.id)").first?.decode(String.self, column: "e"), expiresBefore)
        XCTAssertEqual(try jobState(a.id).state, "running")
        XCTAssertEqual(try jobState(a.id).token, a.token)
        XCTAssertEqual(try jobState(b.id).state, "running")
        XCTAssertEqual(try jobState(b.id).token, b.token)
        XCTAssertEqual(try owner.query("SELECT count(*) AS n FROM kneeflow.results").first?.decode(Int.self, column: "n"), 0)
        XCTAssertEqual(try owner.query("SELECT count(*) AS n FROM kneeflow.job_attempts WHERE outcome <> 'running'").first?.decode(Int.self, column: "n"), 0)
        XCTAssertEqual(try w2.query(QueueSQL.complete(jobId: b.id, token: b.token, output: JobOutput(probability: 0.1))).first?.decode(Bool.self, column: "ok"), true)
        XCTAssertEqual(try jobState(b.id).results, 1)
        XCTAssertEqual(try jobState(a.id).results, 0)
    }

    /// Security-definer hygiene, over every function of the schema (so a later migration that
    /// forgets it fails here): owned by the migrating role, SECURITY DEFINER with search_path
    /// pg_catalog, pg_temp (text_key, an IMMUTABLE helper of the unique indexes, stays an
    /// invoker function), never EXECUTE for PUBLIC; and the worker may execute exactly its list.
    func testFunctionsAreDefinerWithFixedSearchPathAndNotPublic() throws {
        let rows = try owner.query("""
            SELECT regexp_replace(p.oid::regprocedure::text, '^kneeflow\\.', '') AS sig, p.prosecdef AS definer,
                   coalesce(array_to_string(p.proconfig, ';'), '') AS config,
                   pg_get_userbyid(p.proowner) AS owner,
                   p.proacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = 0) AS public_exec,
                   has_function_privilege('kneeflow_worker', p.oid, 'EXECUTE') AS worker_exec
              FROM pg_proc p WHERE p.pronamespace = 'kneeflow'::regnamespace ORDER BY 1
            """)
        var workerFunctions: [String] = []
        for r in rows {
            let sig = try r.decode(String.self, column: "sig")
            XCTAssertEqual(try r.decode(String.self, column: "owner"), try owner.query("SELECT current_user AS u").first?.decode(String.self, column: "u"), sig)
            XCTAssertFalse(try r.decode(Bool.self, column: "public_exec"), "\(sig) is executable by PUBLIC")
            if sig != "text_key(text)" {
                XCTAssertTrue(try r.decode(Bool.self, column: "definer"), "\(sig) is not SECURITY DEFINER")
                XCTAssertEqual(try r.decode(String.self, column: "config"), "search_path=pg_catalog, pg_temp", sig)
            }
            if try r.decode(Bool.self, column: "worker_exec") { workerFunctions.append(sig) }
        }
        XCTAssertEqual(workerFunctions.sorted(), [
            "attempt_outcome(uuid)",
            "claim(text,double precision,integer,bigint)",
            "complete(bigint,uuid,double precision,jsonb,jsonb)",
            "deregister_worker(text)",
            "fail(bigint,uuid,text,double precision,text)",
            "heartbeat(text,uuid[],double precision)",
            "pending(bigint)",
            "reap()",
            "register_worker(text,text,integer,text,integer)",
            "release(bigint,uuid,text)",
            "run_by_id(bigint)",
            "run_by_name(text)",
        ])
        // No table privilege for the worker beyond reading the schema version.
        let grants = try owner.query("""
            SELECT table_name || ':' || privilege_type AS g FROM information_schema.role_table_grants
             WHERE grantee = 'kneeflow_worker' ORDER BY 1
            """).map { try $0.decode(String.self, column: "g") }
        XCTAssertEqual(grants, ["schema_migrations:SELECT"])
    }

    /// Several databases of one cluster migrating at once find the cluster-wide roles (made by
    /// the first migration) and fail on none of them. (The create-race branch itself, two
    /// sessions creating a missing role at once, cannot be staged here: once any database grants
    /// to the roles they cannot be dropped.)
    func testConcurrentMigrationsOfSeveralDatabasesReuseTheRoles() throws {
        let urls = try (0..<3).map { _ in try TestDatabase.shared.makeDatabase() }
        let errors = Locked([String]())
        DispatchQueue.concurrentPerform(iterations: urls.count) { i in
            do {
                let c = try PostgresConnection(urls[i])
                defer { c.close() }
                try Migrator().migrate(c)
            } catch { errors.withLock { $0.append("\(error)") } }
        }
        XCTAssertEqual(errors.value, [])
        let n = try owner.query("SELECT count(*) AS n FROM pg_roles WHERE rolname IN ('kneeflow_coordinator', 'kneeflow_worker', 'kneeflow_monitor') AND NOT rolcanlogin")
        XCTAssertEqual(try n.first?.decode(Int.self, column: "n"), 3)
    }
}
