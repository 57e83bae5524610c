@testable import Postgres
import XCTest

/// Pure pieces of the embedded cluster's configuration: `--listen` parsing, the pg_hba we
/// write, login URLs and generated passwords (no server needed).
final class ClusterConfigTests: XCTestCase {
    func testListenParsing() throws {
        let a = try ListenSpec(parsing: "10.0.0.5:5433")
        XCTAssertEqual([a.address, a.advertise], ["10.0.0.5", "10.0.0.5"])
        XCTAssertEqual(a.port, 5433)
        let b = try ListenSpec(parsing: "db.lab.example")
        XCTAssertNil(b.port)
        XCTAssertEqual(b.advertise, "db.lab.example")
        let c = try ListenSpec(parsing: "[::1]:6000")
        XCTAssertEqual(c.address, "::1")
        XCTAssertEqual(c.port, 6000)
        let d = try ListenSpec(parsing: "0.0.0.0:5433", advertise: "db.lab.example")
        XCTAssertEqual(ListenSpec.certificateNames(address: d.address, advertise: d.advertise), ["db.lab.example"])
        XCTAssertEqual(ListenSpec.certificateNames(address: "10.0.0.5", advertise: "db.lab"), ["db.lab", "10.0.0.5"])
        XCTAssertThrowsError(try ListenSpec(parsing: "0.0.0.0:5433")) { XCTAssertTrue("\($0)".contains("--advertise"), "\($0)") }
        for bad in ["", "a b", "10.0.0.5:0", "10.0.0.5:70000", "10.0.0.5:x", "[::1", "x;rm -rf /", "h'ost"] {
            XCTAssertThrowsError(try ListenSpec(parsing: bad), bad)
        }
    }

    func testHBAHasNoTrustOverTheNetworkAndTLSOnlyWhenListening() {
        for listening in [false, true] {
            let rules = EmbeddedCluster.hba(listening: listening).split(separator: "\n").filter { !$0.hasPrefix("#") }
            XCTAssertEqual(rules.filter { $0.hasPrefix("local") }.count, 1)
            XCTAssertTrue(rules.filter { !$0.hasPrefix("local") }.allSatisfy { $0.hasPrefix("hostssl") }, "\(rules)")
            XCTAssertFalse(rules.contains { $0.hasPrefix("host") && $0.contains("trust") }, "\(rules)")
            XCTAssertEqual(rules.contains { $0.contains("scram-sha-256") }, listening)
        }
    }

    func testLoginURLs() {
        let pw = "abc-_XYZ"
        XCTAssertEqual(LoginRole.url(user: "w1", password: pw, options: ["host": "db.lab", "port": "5433"], database: "kneeflow",
                                     sslMode: "verify-full", sslRootCert: "/etc/kf/ca.crt"),
                       "postgresql://w1:abc-_XYZ@db.lab:5433/kneeflow?sslmode=verify-full&sslrootcert=/etc/kf/ca.crt")
        XCTAssertEqual(LoginRole.url(user: "w1", password: pw, options: ["host": "/var/run/pg sock", "port": "5432", "dbname": "q"]),
                       "postgresql://w1:abc-_XYZ@/q?host=/var/run/pg%20sock&port=5432")
        XCTAssertEqual(LoginRole.url(user: "w1", password: pw, options: ["host": "fd00::5", "sslmode": "verify-full"]),
                       "postgresql://w1:abc-_XYZ@[fd00::5]/kneeflow?sslmode=verify-full")
    }

    func testPasswordsAreLongURLSafeAndDifferent() throws {
        let a = LoginRole.generatePassword(), b = LoginRole.generatePassword()
        XCTAssertEqual(a.count, 43)   // 32 bytes, base64url without padding: 256 bits
        XCTAssertNotEqual(a, b)
        XCTAssertTrue(a.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }, a)
        XCTAssertNoThrow(try LoginRole.validate(name: "kf_worker_2"))
        for bad in ["kneeflow", "kneeflow_admin", "kneeflow_worker", "pg_x", "Upper", "1abc", "a-b", "a\"b", ""] {
            XCTAssertThrowsError(try LoginRole.validate(name: bad), bad)
        }
    }
}
