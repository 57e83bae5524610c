import Foundation
import Postgres
import TestSupport
import XCTest

/// Against the throwaway server: typed decoding, errors, transactions, COPY, LISTEN/NOTIFY,
/// reconnect.
final class PostgresConnectionTests: XCTestCase {
    var conn: PostgresConnection!

    override func setUpWithError() throws {
        conn = try PostgresConnection(try TestDatabase.shared.makeDatabase())
    }

    override func tearDown() { conn?.close() }

    func testTypedDecodeAndErrorsNameTheColumn() throws {
        let rows = try conn.query("SELECT 7::bigint AS id, 'a'::text AS name, NULL::int AS missing, 2.5::float8 AS x, true AS ok, now() AS t")
        let r = try XCTUnwrap(rows.first)
        XCTAssertEqual(try r.decode(Int64.self, column: "id"), 7)
        XCTAssertEqual(try r.decode(String.self, column: "name"), "a")
        XCTAssertEqual(try r.decode(Int?.self, column: "missing"), nil)
        XCTAssertEqual(try r.decode(Double.self, column: "x"), 2.5)
        XCTAssertEqual(try r.decode(Bool.self, column: "ok"), true)
        XCTAssertNotNil(try r.decode(Date.self, column: "t"))
        XCTAssertThrowsError(try r.decode(Int.self, column: "missing")) { e in
            XCTAssertTrue("\(e)".contains("\"missing\"") && "\(e)".contains("Int"), "\(e)")
        }
        XCTAssertThrowsError(try r.decode(Int.self, column: "name")) { e in
            XCTAssertTrue("\(e)".contains("\"name\"") && "\(e)".contains("Int"), "\(e)")
        }
        XCTAssertThrowsError(try r.decode(Int.self, column: "nope")) { e in
            XCTAssertTrue("\(e)".contains("nope"), "\(e)")
        }
    }

    func testHostileValuesRoundTripVerbatim() throws {
        let values = ["it's", "a\"b", "x; DROP TABLE t; --", "$1", "\\N", "tab\there\nnewline", "ünïcödé ✓ 🦴",
                      String(repeating: "ab'c;$1\u{00e9}", count: 1000)]
        for v in values {
            let got = try conn.query("SELECT \(v)::text AS v").first?.decode(String.self, column: "v")
            XCTAssertEqual(got, v)
        }
    }

    func testServerErrorsCarrySQLStateButNotValues() throws {
        XCTAssertThrowsError(try conn.query("SELECT * FROM no_such_table")) { e in
            XCTAssertEqual((e as? PostgresError)?.sqlState, "42P01")
        }
        let secret = "hunter2-secret-value"
        XCTAssertThrowsError(try conn.query("SELECT \(secret)::int")) { e in
            let pe = e as? PostgresError
            XCTAssertEqual(pe?.sqlState, "22P02")
            XCTAssertFalse("\(e)".contains(secret), "\(e)")
        }
    }

    func testConnectionErrorDoesNotRevealPassword() {
        XCTAssertThrowsError(try PostgresConnection("postgresql://u:sup3rs3cret@127.0.0.1:1/db?connect_timeout=2")) { e in
            XCTAssertEqual((e as? PostgresError)?.code, .connection)
            XCTAssertFalse("\(e)".contains("sup3rs3cret"), "\(e)")
        }
    }

    func testTransactionCommitsAndRollsBack() throws {
        try conn.execute("CREATE TABLE t (v int)")
        try conn.withTransaction { c in try c.execute("INSERT INTO t VALUES (1)") }
        struct Boom: Error {}
        XCTAssertThrowsError(try conn.withTransaction { c in
            try c.execute("INSERT INTO t VALUES (2)")
            throw Boom()
        })
        XCTAssertEqual(try conn.query("SELECT count(*) AS n FROM t").first?.decode(Int.self, column: "n"), 1)
    }

    func testCopyInEscapesEverything() throws {
        try conn.execute("CREATE TABLE c (a text, b int)")
        let values = ["plain", "tab\tin", "new\nline", "back\\slash", "\\N", "cr\rx", "ü✓", ""]
        let n = try conn.copyIn("COPY c (a, b) FROM STDIN") { w in
            for (i, v) in values.enumerated() { try w.append([v, String(i)]) }
            try w.append([nil, nil])
        }
        XCTAssertEqual(n, values.count + 1)
        let rows = try conn.query("SELECT a, b FROM c WHERE b IS NOT NULL ORDER BY b")
        XCTAssertEqual(try rows.map { try $0.decode(String.self, column: "a") }, values)
        XCTAssertEqual(try conn.query("SELECT count(*) AS n FROM c WHERE a IS NULL").first?.decode(Int.self, column: "n"), 1)
    }

    func testCopyRejectsBadRowsWithServerError() throws {
        try conn.execute("CREATE TABLE c2 (b int)")
        XCTAssertThrowsError(try conn.copyIn("COPY c2 (b) FROM STDIN") { w in try w.append(["not a number"]) }) { e in
            XCTAssertEqual((e as? PostgresError)?.sqlState, "22P02")
        }
        // The connection is usable afterwards.
        XCTAssertEqual(try conn.query("SELECT 1 AS one").first?.decode(Int.self, column: "one"), 1)
    }

    func testListenNotifyHonoursTimeout() throws {
        try conn.listen("chan")
        XCTAssertNil(try conn.waitForNotification(timeout: 0.2))
        let other = try PostgresConnection(conn.connectionStringForTests)
        defer { other.close() }
        try other.notify("chan", payload: "hello 'there'")
        let n = try XCTUnwrap(try conn.waitForNotification(timeout: 10))
        XCTAssertEqual(n.channel, "chan")
        XCTAssertEqual(n.payload, "hello 'there'")
    }

    func testReconnectAfterBackendTerminated() throws {
        try conn.listen("chan2")
        let pid = try XCTUnwrap(conn.query("SELECT pg_backend_pid() AS p").first?.decode(Int.self, column: "p"))
        let other = try PostgresConnection(conn.connectionStringForTests)
        defer { other.close() }
        try other.query("SELECT pg_terminate_backend(\(pid))")
        XCTAssertThrowsError(try conn.query("SELECT 1")) { e in
            XCTAssertTrue((e as? PostgresError)?.isConnectionLoss == true, "\(e)")
        }
        try conn.reconnect(deadline: Date().addingTimeInterval(10))
        XCTAssertEqual(try conn.query("SELECT 1 AS one").first?.decode(Int.self, column: "one"), 1)
        // LISTEN was re-issued.
        try other.notify("chan2", payload: "again")
        XCTAssertEqual(try conn.waitForNotification(timeout: 10)?.payload, "again")
    }
}
