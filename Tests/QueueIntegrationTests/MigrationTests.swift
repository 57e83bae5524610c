import Common
import Foundation
import Postgres
@testable import Queue
import TestSupport
import XCTest

/// Migrations: the embedded list equals sql/, apply once, re-apply is a no-op, edits are refused.
final class MigrationTests: XCTestCase {
    /// sql/ of this checkout, found from this file's path.
    static var sqlDir: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("sql").path
    }

    func testEmbeddedMigrationsEqualSQLFilesByteForByte() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.sqlDir)
            .filter { $0.range(of: #"^\d{3}_[a-z0-9_]+\.sql$"#, options: .regularExpression) != nil }.sorted()
        XCTAssertEqual(files, Migration.all.map(\.fileName), "list every file of sql/ in Migration+All.swift")
        for m in Migration.all {
            let data = try XCTUnwrap(FileManager.default.contents(atPath: Self.sqlDir + "/" + m.fileName))
            XCTAssertEqual(Array(m.sql.utf8), Array(data), "\(m.fileName) differs from the embedded bytes")
        }
        XCTAssertEqual(Migration.all.map(\.version), Array(1...Migration.all.count))
    }

    func testApplyOnceThenNoOpThenEditRefused() throws {
        let conn = try PostgresConnection(try TestDatabase.shared.makeDatabase())
        defer { conn.close() }
        XCTAssertEqual(try Migrator().migrate(conn), Migration.all.map(\.version))
        XCTAssertEqual(try Migrator().migrate(conn), [])
        XCTAssertEqual(try Migrator().applied(conn).map(\.version), Migration.all.map(\.version))
        var edited = Migration.all
        let m = edited[1]
        edited[1] = Migration(version: m.version, name: m.name, sql: m.sql + "\n-- edited\n")
        XCTAssertThrowsError(try Migrator(migrations: edited).migrate(conn)) { e in
            XCTAssertEqual((e as? QueueError)?.code, .migration)
            XCTAssertTrue("\(e)".contains(m.fileName), "\(e)")
        }
        // A failing new migration rolls back entirely, version row included.
        let broken = Migration.all + [Migration(version: 99, name: "broken", sql: "CREATE TABLE kneeflow.x (a int); SELECT 1/0;")]
        XCTAssertThrowsError(try Migrator(migrations: broken).migrate(conn))
        XCTAssertEqual(try QueueTestDB.int(conn, "SELECT count(*) AS n FROM kneeflow.schema_migrations WHERE version = 99"), 0)
        XCTAssertEqual(try QueueTestDB.int(conn, "SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'kneeflow' AND tablename = 'x'"), 0)
    }

    func testConcurrentMigratorsApplyEachMigrationOnce() throws {
        let url = try TestDatabase.shared.makeDatabase()
        let results = Locked<[Result<[Int], Error>]>([])
        let group = DispatchGroup()
        for _ in 0..<4 {
            group.enter()
            Thread {
                let r = Result { () throws -> [Int] in
                    let c = try PostgresConnection(url)
                    defer { c.close() }
                    return try Migrator().migrate(c)
                }
                results.withLock { $0.append(r) }
                group.leave()
            }.start()
        }
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success)
        let applied = try results.value.map { try $0.get() }
        XCTAssertEqual(applied.flatMap { $0 }.sorted(), Migration.all.map(\.version))
    }

    /// The database's job states (the `kneeflow.job_state` enum, which the check on jobs.state
    /// accepts) are the Swift `JobState` cases, in the same order; anything else is refused.
    func testJobStateEnumMatchesSwiftAndGuardsTheColumn() throws {
        let conn = try PostgresConnection(try QueueTestDB.make())
        defer { conn.close() }
        let labels = try conn.query("SELECT unnest(enum_range(NULL::kneeflow.job_state))::text AS s").map {
            try $0.decode(String.self, column: "s")
        }
        XCTAssertEqual(labels, JobState.allCases.map(\.rawValue))
        let run = try Coordinator(connection: conn).createRun(name: "states", configJSON: "{}", codeVersion: "v")
        XCTAssertThrowsError(try conn.execute("INSERT INTO kneeflow.jobs (run_id, dataset, case_id, input_path, input_root, state) VALUES (\(run.id), 'd', 'c', '/x', '/', 'done')")) { e in
            XCTAssertEqual((e as? PostgresError)?.sqlState, "23514", "\(e)")
        }
        for state in JobState.allCases {
            XCTAssertNoThrow(try conn.execute("INSERT INTO kneeflow.jobs (run_id, dataset, case_id, input_path, input_root, state) VALUES (\(run.id), 'd', \(state.rawValue), '/x', '/', \(state))"))
        }
    }

    /// The attempt outcomes the database accepts (the check on job_attempts.outcome) are the
    /// Swift `AttemptOutcome` labels.
    func testAttemptOutcomeCheckMatchesSwift() throws {
        let conn = try PostgresConnection(try QueueTestDB.make())
        defer { conn.close() }
        let def = try XCTUnwrap(try conn.query("""
            SELECT pg_get_constraintdef(oid) AS d FROM pg_constraint
             WHERE conrelid = 'kneeflow.job_attempts'::regclass AND contype = 'c' AND conname LIKE '%outcome%'
            """).first?.decode(String.self, column: "d"))
        let regex = try NSRegularExpression(pattern: "'([a-z_]+)'")
        let labels = regex.matches(in: def, range: NSRange(def.startIndex..., in: def)).map { String(def[Range($0.range(at: 1), in: def)!]) }
        XCTAssertEqual(Set(labels), Set(AttemptOutcome.allCases.map(\.rawValue)), def)
        XCTAssertEqual(labels.count, AttemptOutcome.allCases.count, def)
    }

    /// The attempt kinds the database accepts (job_attempts.error_kind's check, 007) are the
    /// Swift `AttemptErrorKind` labels.
    func testAttemptErrorKindCheckMatchesSwift() throws {
        let conn = try PostgresConnection(try QueueTestDB.make())
        defer { conn.close() }
        let def = try XCTUnwrap(try conn.query("""
            SELECT pg_get_constraintdef(oid) AS d FROM pg_constraint
             WHERE conrelid = 'kneeflow.job_attempts'::regclass AND contype = 'c' AND conname LIKE '%error_kind%'
            """).first?.decode(String.self, column: "d"))
        let regex = try NSRegularExpression(pattern: "'([a-z_]+)'")
        let labels = regex.matches(in: def, range: NSRange(def.startIndex..., in: def)).map { String(def[Range($0.range(at: 1), in: def)!]) }
        XCTAssertEqual(Set(labels), Set(AttemptErrorKind.allCases.map(\.rawValue)), def)
    }

    func testEveryRuntimeStatementPrepares() throws {
        let conn = try PostgresConnection(try QueueTestDB.make())
        defer { conn.close() }
        for (i, q) in QueueSQL.samples.enumerated() {
            XCTAssertNoThrow(try conn.execute(PostgresQuery(unsafeSQL: "PREPARE s\(i) AS " + q.sql)), q.sql)
        }
        XCTAssertNoThrow(try conn.execute(PostgresQuery(unsafeSQL: "PREPARE copy_ins AS " + QueueSQL.insertStaged(runId: 1, maxAttempts: 3).sql.replacingOccurrences(of: "kneeflow_enqueue", with: "(SELECT ''::text AS dataset, ''::text AS case_id, ''::text AS input_path, ''::text AS input_root, NULL::text AS input_sha256, NULL::int AS label, 0 AS priority) s"))))
    }
}
