import Foundation
@testable import Postgres
import Queue
import TestSupport
import XCTest

/// `kneeflow work` against a server that is down, moves, or is gone for good. Each test has its
/// own embedded cluster (it stops and starts it), separate from the shared test server.
final class WorkerReconnectTests: XCTestCase {
    var dir: String!
    var cluster: EmbeddedCluster!
    var url: String!

    override func setUpWithError() throws {
        try KneeflowBinary.require()
        _ = try TestDatabase.shared.makeDatabase()   // skips (or fails in CI) without PostgreSQL
        dir = NSTemporaryDirectory() + "kf-reconnect-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir + "/logs", withIntermediateDirectories: true)
        if geteuid() == 0 { chmod(dir, 0o755) }
        cluster = try EmbeddedCluster(home: dir + "/home")
        cluster.settings = ["fsync": "off", "synchronous_commit": "off"]
        url = try cluster.start()
        let c = try PostgresConnection(url)
        defer { c.close() }
        try Migrator().migrate(c)
    }

    override func tearDown() {
        try? cluster?.stop(immediate: true)
        cluster?.removeFiles()
        if let dir { try? FileManager.default.removeItem(atPath: dir) }
    }

    func enqueue(_ run: String, _ cases: [String]) throws {
        let c = try PostgresConnection(url)
        defer { c.close() }
        let co = Coordinator(connection: c)
        let r = try co.createRun(name: run, configJSON: "{\"handler\": \"test\"}", codeVersion: "test")
        try co.enqueue(runId: r.id, jobs: cases.map { NewJob(dataset: "d", caseId: $0, inputPath: "/none") }, maxAttempts: 3)
    }

    func worker(_ args: [String], env: [String: String], name: String) throws -> Process {
        let path = dir + "/logs/\(name).log"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        return try KneeflowBinary.start(["work"] + args, environment: env.merging(["KNEEFLOW_LOG_LEVEL": "info"]) { $1 },
                                        stdout: h, stderr: h)
    }

    func log(_ name: String) -> String { (try? String(contentsOfFile: dir + "/logs/\(name).log", encoding: .utf8)) ?? "" }

    func count(_ q: PostgresQuery) throws -> Int {
        let s = try XCTUnwrap(cluster.runningServer())
        let c = try PostgresConnection(cluster.url(port: s.port, socketDir: s.socketDir))
        defer { c.close() }
        return try XCTUnwrap(c.query(q).first).decode(Int.self, column: "n")
    }

    func waitExit(_ p: Process, timeout: Double) -> Bool {
        let ok = waitUntil(timeout: timeout) { !p.isRunning }
        if !ok { p.terminate() }
        return ok
    }

    func testWorkerStartedWhileTheServerIsDownWaitsForIt() throws {
        try enqueue("late", (0..<20).map { "c\($0)" })
        try cluster.stop()
        let w = try worker(["--run", "late", "--exit-when-idle", "--connect-timeout", "600"], env: ["DATABASE_URL": url], name: "late")
        XCTAssertTrue(waitUntil(timeout: 120) { log("late").contains("cannot connect to the database yet") }, log("late"))
        XCTAssertTrue(w.isRunning, log("late"))
        try cluster.start()
        XCTAssertTrue(waitExit(w, timeout: 300), log("late"))
        XCTAssertEqual(w.terminationStatus, 0, log("late"))
        XCTAssertEqual(try count("SELECT count(*) AS n FROM kneeflow.jobs WHERE state = 'succeeded' AND attempts = 1"), 20)
    }

    func testWorkerFollowsTheEmbeddedClusterToANewPort() throws {
        try enqueue("moved", (0..<200).map { String(format: "sleep20-%03d", $0) })
        let env = ["DATABASE_URL": "", "KNEEFLOW_HOME": cluster.home]
        let w = try worker(["--run", "moved", "--exit-when-idle", "--lease", "20"], env: env, name: "moved")
        XCTAssertTrue(try waitUntil(timeout: 120) { try count("SELECT count(*) AS n FROM kneeflow.jobs WHERE state = 'succeeded'") >= 20 }, log("moved"))
        let before = try XCTUnwrap(cluster.runningServer()).port
        let newPort = try EmbeddedCluster.freeLoopbackPort()
        // The administrator moves the cluster: it restarts on another port (and socket file).
        let up = try KneeflowBinary.run(["db", "up", "--listen", "127.0.0.1:\(newPort)"], environment: env.merging(["KNEEFLOW_LOG_LEVEL": "warning"]) { $1 })
        XCTAssertEqual(up.status, 0, up.stderr)
        XCTAssertEqual(cluster.runningServer()?.port, newPort)
        XCTAssertNotEqual(before, newPort)
        XCTAssertTrue(waitExit(w, timeout: 300), log("moved"))
        XCTAssertEqual(w.terminationStatus, 0, log("moved"))
        XCTAssertEqual(try count("SELECT count(*) AS n FROM kneeflow.jobs WHERE state = 'succeeded'"), 200, log("moved"))
        XCTAssertEqual(try count("SELECT count(*) AS n FROM kneeflow.results"), 200)
        XCTAssertEqual(try count("SELECT count(*) AS n FROM kneeflow.job_attempts WHERE outcome = 'succeeded'"), 200)
    }

    func testExitWhenIdleWorkerGivesUpOnAServerGoneForGood() throws {
        try enqueue("gone", (0..<2000).map { String(format: "sleep20-%04d", $0) })
        let w = try worker(["--run", "gone", "--exit-when-idle", "--connect-timeout", "3", "--lease", "5"],
                           env: ["DATABASE_URL": url], name: "gone")
        XCTAssertTrue(try waitUntil(timeout: 120) { try count("SELECT count(*) AS n FROM kneeflow.jobs WHERE state = 'succeeded'") >= 5 }, log("gone"))
        try cluster.stop()
        XCTAssertTrue(waitExit(w, timeout: 180), "still retrying a dead server: " + log("gone"))
        XCTAssertEqual(w.terminationStatus, 1, log("gone"))
        XCTAssertTrue(log("gone").contains("unreachable"), log("gone"))
        // One started while it is gone stops trying after --connect-timeout, non-zero.
        let late = try worker(["--run", "gone", "--exit-when-idle", "--connect-timeout", "2"], env: ["DATABASE_URL": url], name: "late")
        XCTAssertTrue(waitExit(late, timeout: 120), log("late"))
        XCTAssertEqual(late.terminationStatus, 1, log("late"))
        XCTAssertTrue(log("late").contains("cannot reach the database after"), log("late"))
    }
}
