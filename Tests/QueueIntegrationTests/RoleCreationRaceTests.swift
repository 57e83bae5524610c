import Common
import Foundation
import Postgres
import Queue
import TestSupport
import XCTest

/// The role-creating block of sql/006_roles.sql, run by two sessions at once for a role that does
/// not exist yet: the second session's CREATE ROLE waits on the first one's uncommitted row, then
/// meets the duplicate when the first commits; the block must absorb that instead of failing the
/// migration (roles are cluster-wide and the databases of one cluster may migrate concurrently).
/// The block is taken from the shipped migration text, with a throwaway role name.
final class RoleCreationRaceTests: XCTestCase {
    func testSecondCreatorOfTheSameRoleSucceeds() throws {
        let url = try TestDatabase.shared.makeDatabase()
        let role = "kneeflow_race_\(UInt32.random(in: 0...UInt32.max))"
        let sql = try XCTUnwrap(Migration.all.first { $0.version == 6 }).sql
        let start = try XCTUnwrap(sql.range(of: "DO $$"))
        let end = try XCTUnwrap(sql.range(of: "$$;", range: start.upperBound..<sql.endIndex))
        let block = String(sql[start.lowerBound..<end.upperBound])
        let roles = "ARRAY['kneeflow_coordinator', 'kneeflow_worker', 'kneeflow_monitor']"
        XCTAssertTrue(block.contains(roles), "the migration's role block changed; update this test")
        let raced = block.replacingOccurrences(of: roles, with: "ARRAY['\(role)']")

        let first = try PostgresConnection(url), second = try PostgresConnection(url), admin = try PostgresConnection(url)
        defer {
            _ = try? admin.execute(PostgresQuery(unsafeSQL: "DROP ROLE IF EXISTS \(role)"))
            first.close(); second.close(); admin.close()
        }
        let secondPid = try XCTUnwrap(second.query("SELECT pg_backend_pid() AS p").first?.decode(Int.self, column: "p"))
        try first.execute("BEGIN")
        try first.runScript(raced)                       // created, not yet committed
        let outcome = Locked<Result<Void, Error>?>(nil)
        let t = Thread { outcome.withLock { $0 = Result { try second.runScript(raced) } } }
        t.start()
        // The second session is blocked on the first one's row (hang guard only, no timing).
        let blocked = try waitUntil(timeout: 60) {
            try admin.query("SELECT wait_event_type = 'Lock' AS w FROM pg_stat_activity WHERE pid = \(secondPid)")
                .first?.decode(Bool?.self, column: "w") == true
        }
        XCTAssertTrue(blocked, "the second CREATE ROLE never waited on the first")
        try first.execute("COMMIT")
        XCTAssertTrue(waitUntil(timeout: 60) { outcome.value != nil })
        switch outcome.value {
        case .success?: break
        case .failure(let e)?: XCTFail("second creator failed: \(e)")
        case nil: XCTFail("second creator did not finish")
        }
        let n = try admin.query(PostgresQuery(unsafeSQL: "SELECT count(*) AS n FROM pg_roles WHERE rolname = '\(role)' AND NOT rolcanlogin"))
        XCTAssertEqual(try n.first?.decode(Int.self, column: "n"), 1)
    }
}
