import Foundation
import Postgres
import TestSupport
import XCTest

/// Bad input at the edges, through the built binary: NUL bytes in a manifest, control characters
/// on the terminal, the test-only handler in a production config, and workers that never
/// migrate (a worker on an unmigrated or newer schema exits with status 5 and says why; a
/// kneeflow_worker login works a migrated database).
final class EdgeInputCLITests: XCTestCase {
    var dir: String!
    var url: String!

    override func setUpWithError() throws {
        try KneeflowBinary.require()
        url = try TestDatabase.shared.makeDatabase()
        dir = NSTemporaryDirectory() + "kf-edge-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir + "/vols", withIntermediateDirectories: true)
        try #"{"handler": "checksum"}"#.write(toFile: dir + "/checksum.json", atomically: true, encoding: .utf8)
    }

    override func tearDown() { if let dir { try? FileManager.default.removeItem(atPath: dir) } }

    func kf(_ args: [String], env: [String: String] = [:]) throws -> KneeflowBinary.Output {
        try KneeflowBinary.run(args, environment: ["DATABASE_URL": url, "KNEEFLOW_LOG_LEVEL": "warning"].merging(env) { $1 }, cwd: dir)
    }

    func count(_ sql: String) throws -> Int {
        let c = try PostgresConnection(url)
        defer { c.close() }
        return try XCTUnwrap(c.query(PostgresQuery(unsafeSQL: sql)).first).decode(Int.self, column: "n")
    }

    /// The C0, DEL and C1 characters a terminal could act on (newline excluded).
    func rawControls(_ s: String) -> [UInt32] {
        s.unicodeScalars.map(\.value).filter { ($0 < 0x20 && $0 != 0x0A) || (0x7F...0x9F).contains($0) }
    }

    func testNULInOneLineSkipsThatLineAndEnqueuesTheRest() throws {
        for c in ["a", "b", "c"] { try Data(c.utf8).write(to: URL(fileURLWithPath: dir + "/vols/\(c).npy")) }
        let manifest = "case,path,label\na,vols/a.npy,1\nb\0x,vols/b.npy,0\nc,vols/c.npy\0,1\n"
        try Data(manifest.utf8).write(to: URL(fileURLWithPath: dir + "/m.csv"))
        let r = try kf(["enqueue", "--run", "nul", "--dataset", "ds=m.csv", "--config", "checksum.json"])
        XCTAssertEqual(r.status, 3, r.stderr)
        XCTAssertTrue(r.stdout.contains("1 new jobs") && r.stdout.contains("2 skipped"), r.stdout)
        let skipped = r.stderr.split(separator: "\n").filter { $0.hasPrefix("skipped: ") }
        XCTAssertEqual(skipped.count, 2, r.stderr)
        XCTAssertTrue(skipped[0].contains("m.csv:3") && skipped[0].contains("NUL") && skipped[0].contains("b\\x00x"), String(skipped[0]))
        XCTAssertTrue(skipped[1].contains("m.csv:4") && skipped[1].contains("NUL"), String(skipped[1]))
        XCTAssertEqual(rawControls(r.stderr), [])
        XCTAssertEqual(try count("SELECT count(*) AS n FROM kneeflow.jobs"), 1)
    }

    func testEveryLineSkippedLeavesNoRunBehind() throws {
        try Data("b".utf8).write(to: URL(fileURLWithPath: dir + "/vols/b.npy"))
        try Data("case,path,label\nb\0,vols/b.npy,0\n".utf8).write(to: URL(fileURLWithPath: dir + "/m.csv"))
        let r = try kf(["enqueue", "--run", "empty", "--dataset", "ds=m.csv", "--config", "checksum.json"])
        XCTAssertEqual(r.status, 3, r.stderr)
        XCTAssertTrue(r.stdout.contains("nothing enqueued") && r.stdout.contains("no run created"), r.stdout)
        XCTAssertEqual(try count("SELECT count(*) AS n FROM kneeflow.runs"), 0)
    }

    /// Run, dataset and case names and a stored error full of escape sequences: `status`,
    /// `work`'s log and `enqueue`'s error print them escaped.
    func testControlCharactersAreEscapedOnTheTerminal() throws {
        let caseId = "c\u{1B}[2J\u{9B}31m"
        try Data("x".utf8).write(to: URL(fileURLWithPath: dir + "/vols/x.npy"))
        try Data("case,path,label\n\(caseId),vols/x.npy,1\n".utf8).write(to: URL(fileURLWithPath: dir + "/m.csv"))
        let run = "r\u{1B}]0;pwned\u{07}", dataset = "d\u{1B}[31m\u{7F}"
        let e = try kf(["enqueue", "--run", run, "--dataset", "\(dataset)=m.csv", "--config", "checksum.json", "--max-attempts", "1"])
        XCTAssertEqual(e.status, 0, e.stderr)
        XCTAssertEqual(rawControls(e.stdout + e.stderr), [])
        try FileManager.default.removeItem(atPath: dir + "/vols/x.npy")   // the job fails: "input … does not exist …"
        let w = try kf(["work", "--exit-when-idle"], env: ["KNEEFLOW_LOG_LEVEL": "info"])
        XCTAssertEqual(w.status, 0, w.stderr)
        XCTAssertTrue(w.stdout.contains("1 failed"), w.stdout)
        XCTAssertEqual(rawControls(w.stdout + w.stderr), [], w.stderr)
        let s = try kf(["status"])
        XCTAssertEqual(s.status, 0, s.stderr)
        XCTAssertEqual(rawControls(s.stdout), [], s.stdout)
        XCTAssertTrue(s.stdout.contains("r\\x1b]0;pwned\\x07"), s.stdout)
        XCTAssertTrue(s.stdout.contains("d\\x1b[31m\\x7f"), s.stdout)
        XCTAssertTrue(s.stdout.contains("c\\x1b[2J\\u{9b}31m"), s.stdout)
        XCTAssertTrue(s.stdout.contains("does not exist"), s.stdout)
        try #"{"handler": "noop"}"#.write(toFile: dir + "/noop.json", atomically: true, encoding: .utf8)
        try Data("x".utf8).write(to: URL(fileURLWithPath: dir + "/vols/x.npy"))
        let conflict = try kf(["enqueue", "--run", run, "--dataset", "\(dataset)=m.csv", "--config", "noop.json"])
        XCTAssertEqual(conflict.status, 1, conflict.stderr)
        XCTAssertTrue(conflict.stderr.contains("different configuration"), conflict.stderr)
        XCTAssertEqual(rawControls(conflict.stderr), [], conflict.stderr)
    }

    func testTestHandlerIsRefusedWithoutTheTestEnvironment() throws {
        try Data("a".utf8).write(to: URL(fileURLWithPath: dir + "/vols/a.npy"))
        try "case,path,label\na,vols/a.npy,1\n".write(toFile: dir + "/m.csv", atomically: true, encoding: .utf8)
        try #"{"handler": "test"}"#.write(toFile: dir + "/test.json", atomically: true, encoding: .utf8)
        try #"{"handler": "nope"}"#.write(toFile: dir + "/nope.json", atomically: true, encoding: .utf8)
        let prod = ["KNEEFLOW_TEST_HANDLERS": ""]
        let refused = try kf(["enqueue", "--run", "t", "--dataset", "d=m.csv", "--config", "test.json"], env: prod)
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("test-only"), refused.stderr)
        let unknown = try kf(["enqueue", "--run", "n", "--dataset", "d=m.csv", "--config", "nope.json"], env: prod)
        XCTAssertEqual(unknown.status, 1, unknown.stderr)
        XCTAssertTrue(unknown.stderr.contains("unknown handler"), unknown.stderr)
        XCTAssertEqual(try count("SELECT count(*) AS n FROM pg_namespace WHERE nspname = 'kneeflow'"), 0, "refused before touching the database")
        // Enqueued where the test environment allows it, a production worker still refuses it.
        let allowed = try kf(["enqueue", "--run", "t", "--dataset", "d=m.csv", "--config", "test.json"])
        XCTAssertEqual(allowed.status, 0, allowed.stderr)
        let w = try kf(["work", "--exit-when-idle"], env: prod)
        XCTAssertEqual(w.status, 0, w.stderr)
        XCTAssertEqual(try count("SELECT count(*) AS n FROM kneeflow.jobs WHERE state = 'failed' AND last_error LIKE '%unknown handler \"test\"%'"), 1)
    }

    func testWorkerNeverMigratesAndExitsWithStatus5() throws {
        let fresh = try kf(["work", "--exit-when-idle"])
        XCTAssertEqual(fresh.status, 5, fresh.stderr)
        XCTAssertTrue(fresh.stderr.contains("no kneeflow schema") && fresh.stderr.contains("never migrate"), fresh.stderr)
        XCTAssertEqual(try count("SELECT count(*) AS n FROM pg_namespace WHERE nspname = 'kneeflow'"), 0)

        XCTAssertEqual(try kf(["db", "migrate"]).status, 0)
        // A kneeflow_worker login works the migrated database (enqueued by the owner).
        try Data("a".utf8).write(to: URL(fileURLWithPath: dir + "/vols/a.npy"))
        try "case,path,label\na,vols/a.npy,1\n".write(toFile: dir + "/m.csv", atomically: true, encoding: .utf8)
        XCTAssertEqual(try kf(["enqueue", "--run", "r", "--dataset", "d=m.csv", "--config", "checksum.json"]).status, 0)
        let role = "w_\(UInt32.random(in: 0...UInt32.max))"
        let owner = try PostgresConnection(url)
        defer { _ = try? owner.execute(PostgresQuery(unsafeSQL: "DROP ROLE IF EXISTS \(role)")); owner.close() }
        try owner.execute(PostgresQuery(unsafeSQL: "CREATE ROLE \(role) LOGIN IN ROLE kneeflow_worker"))
        let asWorker = ["DATABASE_URL": url + "&user=\(role)"]
        let ok = try kf(["work", "--exit-when-idle", "--run", "r"], env: asWorker)
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.contains("1 succeeded"), ok.stdout)
        // The same login may not enqueue (no INSERT on runs; no CREATE to migrate).
        let enq = try kf(["enqueue", "--run", "r2", "--dataset", "d=m.csv", "--config", "checksum.json"], env: asWorker)
        XCTAssertEqual(enq.status, 1, enq.stderr)
        XCTAssertTrue(enq.stderr.contains("42501"), enq.stderr)

        // A kneeflow_coordinator login enqueues (no DDL on a current schema; TEMP + COPY) and a
        // kneeflow_monitor login reads status.
        let coordinator = "c_\(UInt32.random(in: 0...UInt32.max))", monitor = "m_\(UInt32.random(in: 0...UInt32.max))"
        defer { for r in [coordinator, monitor] { _ = try? owner.execute(PostgresQuery(unsafeSQL: "DROP ROLE IF EXISTS \(r)")) } }
        try owner.execute(PostgresQuery(unsafeSQL: "CREATE ROLE \(coordinator) LOGIN IN ROLE kneeflow_coordinator"))
        try owner.execute(PostgresQuery(unsafeSQL: "CREATE ROLE \(monitor) LOGIN IN ROLE kneeflow_monitor"))
        let byCoordinator = try kf(["enqueue", "--run", "r3", "--dataset", "d=m.csv", "--config", "checksum.json"],
                                   env: ["DATABASE_URL": url + "&user=\(coordinator)"])
        XCTAssertEqual(byCoordinator.status, 0, byCoordinator.stderr)
        XCTAssertTrue(byCoordinator.stdout.contains("1 new jobs"), byCoordinator.stdout)
        let st = try kf(["status", "--run", "r3"], env: ["DATABASE_URL": url + "&user=\(monitor)"])
        XCTAssertEqual(st.status, 0, st.stderr)
        XCTAssertTrue(st.stdout.contains("0 ok, 0 failed, 0 running, 1 queued of 1"), st.stdout)

        try owner.execute("INSERT INTO kneeflow.schema_migrations (version, name, checksum) VALUES (999, 'future', 'x')")
        let newer = try kf(["work", "--exit-when-idle"], env: asWorker)
        XCTAssertEqual(newer.status, 5, newer.stderr)
        XCTAssertTrue(newer.stderr.contains("newer"), newer.stderr)
    }
}
