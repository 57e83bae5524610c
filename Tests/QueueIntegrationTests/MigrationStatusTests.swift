import Foundation
import Postgres
import Queue
import TestSupport
import XCTest

/// `Migrator.status` / `requireCurrent`, what `kneeflow work` checks instead of migrating: each
/// way a schema can differ from the binary's migrations is told apart, and checking changes
/// nothing.
final class MigrationStatusTests: XCTestCase {
    func testUnmigratedBehindCurrentNewerAndEdited() throws {
        let conn = try PostgresConnection(try TestDatabase.shared.makeDatabase())
        defer { conn.close() }
        let all = Migrator()
        XCTAssertEqual(try all.status(conn), .unmigrated)
        XCTAssertThrowsError(try all.requireCurrent(conn)) { e in
            XCTAssertEqual((e as? QueueError)?.code, .schema)
            XCTAssertTrue("\(e)".contains("no kneeflow schema"), "\(e)")
        }
        XCTAssertEqual(try QueueTestDB.int(conn, "SELECT count(*) AS n FROM pg_namespace WHERE nspname = 'kneeflow'"), 0)

        try Migrator(migrations: Array(Migration.all.prefix(3))).migrate(conn)
        let last = try XCTUnwrap(Migration.all.last?.version)
        XCTAssertEqual(try all.status(conn), .behind(applied: 3, expected: last))
        XCTAssertThrowsError(try all.requireCurrent(conn)) { e in
            XCTAssertTrue("\(e)".contains("at migration 3") && "\(e)".contains("needs \(last)"), "\(e)")
        }

        try all.migrate(conn)
        XCTAssertEqual(try all.status(conn), .current)
        XCTAssertNoThrow(try all.requireCurrent(conn))

        var edited = Migration.all
        edited[2] = Migration(version: edited[2].version, name: edited[2].name, sql: edited[2].sql + "\n-- edited\n")
        XCTAssertEqual(try Migrator(migrations: edited).status(conn), .edited(version: edited[2].version))

        try conn.execute("INSERT INTO kneeflow.schema_migrations (version, name, checksum) VALUES (999, 'future', 'x')")
        XCTAssertEqual(try all.status(conn), .newer(applied: 999, expected: last))
        XCTAssertThrowsError(try all.requireCurrent(conn)) { e in
            XCTAssertTrue("\(e)".contains("newer"), "\(e)")
        }
    }
}
