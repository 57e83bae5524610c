import Foundation
@testable import Postgres
import XCTest

/// Tests that need no server: query building, redaction, timestamp text.
final class PostgresQueryTests: XCTestCase {
    func testInterpolationBindsValuesAsParameters() {
        let id: Int64 = 42
        let name = "x'); DROP TABLE jobs; --"
        let missing: String? = nil
        let q: PostgresQuery = "SELECT * FROM t WHERE id = \(id) AND name = \(name) AND note = \(missing)"
        XCTAssertEqual(q.sql, "SELECT * FROM t WHERE id = $1 AND name = $2 AND note = $3")
        XCTAssertEqual(q.binds, ["42", name, nil])
        XCTAssertFalse(q.description.contains("DROP"))
    }

    func testIdentifierQuoting() {
        let q: PostgresQuery = "CREATE DATABASE \(identifier: "we\"ird")"
        XCTAssertEqual(q.sql, "CREATE DATABASE \"we\"\"ird\"")
        XCTAssertTrue(q.binds.isEmpty)
    }

    func testRedactionRemovesQuotedValues() {
        let m = PostgresError.redactQuoted("invalid input syntax for type integer: \"secret\"")
        XCTAssertEqual(m, "invalid input syntax for type integer: \"…\"")
    }

    func testTimestampRoundTrip() throws {
        let d = Date(timeIntervalSince1970: 1_795_000_000.123456)
        let text = PostgresTimestamp.format(d)
        XCTAssertEqual(text, "2026-11-18 11:06:40.123456+00")   // python: datetime.fromtimestamp(1795000000, utc)
        let back = try XCTUnwrap(PostgresTimestamp.parse(text))
        XCTAssertEqual(back.timeIntervalSince1970, d.timeIntervalSince1970, accuracy: 1e-6)
        // Offsets are honoured: 05:30 at +05:30 is 00:00 UTC.
        let off = try XCTUnwrap(PostgresTimestamp.parse("2026-01-01 05:30:00+05:30"))
        XCTAssertEqual(off.timeIntervalSince1970, 1_767_225_600, accuracy: 1e-9)
        XCTAssertNil(PostgresTimestamp.parse("2026-01-01 garbage"))
    }

    func testDoubleTextForms() {
        XCTAssertEqual(Double.infinity.postgresText, "Infinity")
        XCTAssertEqual(Double.decode(postgresText: "-Infinity"), -.infinity)
        XCTAssertEqual(Double.decode(postgresText: "0.25"), 0.25)
        XCTAssertNil(Int64.decode(postgresText: "12x"))
        XCTAssertEqual(Int?.decode(postgresText: nil), .some(nil))
    }
}
