import Common
import Foundation
import Postgres
import Queue
import TestSupport
import XCTest

/// `kneeflow work` processes against the throwaway server: many workers, SIGKILL, SIGTERM,
/// server restart. The run config `{"handler":"test"}` selects the test-only handler whose
/// behaviour follows the case id (see TestBehaviourHandler).
final class WorkerProcessTests: XCTestCase {
    var url: String!
    var conn: PostgresConnection!
    var logDir: String!

    override func setUpWithError() throws {
        url = try QueueTestDB.make()
        conn = try PostgresConnection(url)
        logDir = NSTemporaryDirectory() + "kf-worker-logs-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: logDir, withIntermediateDirectories: true)
        try KneeflowBinary.require()
    }

    override func tearDown() {
        conn?.close()
        // The workers ran as a kneeflow_worker login: none of their statements may be refused.
        if let logDir {
            for f in (try? FileManager.default.contentsOfDirectory(atPath: logDir)) ?? [] {
                let text = (try? String(contentsOfFile: logDir + "/" + f, encoding: .utf8)) ?? ""
                XCTAssertFalse(text.contains("[42501]"), "\(f): \(text.suffix(3000))")
            }
        }
        if let logDir { try? FileManager.default.removeItem(atPath: logDir) }
    }

    func enqueue(_ run: String, _ cases: [String], maxAttempts: Int = 3) throws {
        let c = Coordinator(connection: conn)
        let r = try c.createRun(name: run, configJSON: RunInfo.testConfig, codeVersion: "test")
        try c.enqueue(runId: r.id, jobs: cases.map { NewJob(dataset: "d", caseId: $0, inputPath: "/none") }, maxAttempts: maxAttempts)
    }

    func worker(_ args: [String], name: String) throws -> Process {
        let path = logDir + "/\(name).log"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        return try KneeflowBinary.start(["work"] + args, environment: ["DATABASE_URL": QueueTestDB.asWorker(url), "KNEEFLOW_LOG_LEVEL": "info"],
                                        stdout: h, stderr: h)
    }

    func logs() -> String {
        ((try? FileManager.default.contentsOfDirectory(atPath: logDir)) ?? []).sorted().map {
            "== \($0)\n" + ((try? String(contentsOfFile: logDir + "/" + $0, encoding: .utf8)) ?? "")
        }.joined(separator: "\n").suffix(6000).description
    }

    func waitExit(_ p: Process, timeout: Double) -> Bool {
        let ok = waitUntil(timeout: timeout) { !p.isRunning }
        if !ok { p.terminate() }
        return ok
    }

    func count(_ q: PostgresQuery) throws -> Int {
        if !conn.isConnected { try conn.reconnect(deadline: Date().addingTimeInterval(30)) }
        return try QueueTestDB.int(conn, q)
    }

    func testFourWorkersRunEveryJobExactlyOnce() throws {
        try enqueue("many", (0..<2000).map { String(format: "c%04d", $0) })
        let procs = try (0..<4).map { try worker(["--run", "many", "--exit-when-idle", "--lease", "30"], name: "w\($0)") }
        for p in procs { XCTAssertTrue(waitExit(p, timeout: 300), logs()) }
        XCTAssertEqual(procs.map(\.terminationStatus), [0, 0, 0, 0], logs())
        XCTAssertEqual(try count("SELECT count(*) AS n FROM kneeflow.jobs WHERE state = 'succeeded' AND attempts = 1"), 2000)
        XCTAssertEqual(try count("SELECT count(*) AS n FROM kneeflow.results"), 2000)
        XCTAssertEqual(try count("SELECT count(*) AS n FROM kneeflow.job_attempts WHERE outcome = 'succeeded'"), 2000)
        XCTAssertEqual(try count("SELECT count(DISTINCT job_id) AS n FROM kneeflow.job_attempts"), 2000)
        // No job was held by two workers at overlapping times.
        XCTAssertEqual(try count("""
            SELECT count(*) AS n FROM kneeflow.job_attempts a JOIN kneeflow.job_attempts b
              ON a.job_id = b.job_id AND a.id < b.id
             WHERE tstzrange(a.started_at, coalesce(a.ended_at, 'infinity')) && tstzrange(b.started_at, coalesce(b.ended_at, 'infinity'))
            """), 0)
        XCTAssertGreaterThanOrEqual(try count("SELECT count(DISTINCT worker_id) AS n FROM kneeflow.job_attempts"), 2)
        XCTAssertEqual(try count("SELECT count(*) AS n FROM kneeflow.workers WHERE stopped_at IS NOT NULL"), 4)
    }

    func testKilledWorkersJobIsReclaimedAndItsStaleCompletionRejected() throws {
        try enqueue("kill", ["hang-victim"])
        let a = try worker(["--run", "kill", "--lease", "2"], name: "victim")
        XCTAssertTrue(try waitUntil(timeout: 60) { try count("SELECT count(*) AS n FROM kneeflow.jobs WHERE state = 'running'") == 1 }, logs())
        let row = try XCTUnwrap(conn.query("SELECT id, lease_token::text AS t FROM kneeflow.jobs").first)
        let jobId = try row.decode(Int64.self, column: "id")
        let staleToken = try row.decode(String.self, column: "t")
        kill(a.processIdentifier, SIGKILL)
        a.waitUntilExit()
        let b = try worker(["--run", "kill", "--lease", "2", "--exit-when-idle"], name: "rescuer")
        XCTAssertTrue(waitExit(b, timeout: 120), logs())
        XCTAssertEqual(b.terminationStatus, 0, logs())
        let recs = try ResultsReader(connection: conn).jobs(runName: "kill")
        XCTAssertEqual(recs.map(\.state), [.succeeded], logs())
        XCTAssertEqual(recs.first?.attempts, 2)
        let outcomes = try conn.query("SELECT outcome FROM kneeflow.job_attempts ORDER BY id").map { try $0.decode(String.self, column: "outcome") }
        XCTAssertEqual(outcomes, ["lease_expired", "succeeded"])
        let before = try XCTUnwrap(conn.query("SELECT probability, metrics::text AS m FROM kneeflow.results").first)
        // The killed worker's completion, replayed with its token, is rejected and writes nothing.
        let ok = try conn.query(QueueSQL.complete(jobId: jobId, token: staleToken,
                                                  output: JobOutput(probability: 0.999, metricsJSON: "{\"stale\": true}"))).first?
            .decode(Bool.self, column: "ok")
        XCTAssertEqual(ok, false)
        let after = try XCTUnwrap(conn.query("SELECT probability, metrics::text AS m FROM kneeflow.results").first)
        XCTAssertEqual(try after.decode(String.self, column: "m"), try before.decode(String.self, column: "m"))
        XCTAssertEqual(try count("SELECT count(*) AS n FROM kneeflow.results"), 1)
    }

    func testSigtermLetsTheJobFinishWithinGrace() throws {
        try enqueue("term", ["sleep1500-a", "b", "c"])
        let w = try worker(["--run", "term", "--grace", "60"], name: "term")
        XCTAssertTrue(try waitUntil(timeout: 60) { try count("SELECT count(*) AS n FROM kneeflow.jobs WHERE state = 'running'") == 1 }, logs())
        w.terminate()   // SIGTERM
        XCTAssertTrue(waitExit(w, timeout: 60), logs())
        XCTAssertEqual(w.terminationStatus, 0, logs())
        XCTAssertEqual(try count("SELECT count(*) AS n FROM kneeflow.jobs WHERE state = 'running'"), 0)
        XCTAssertEqual(try count("SELECT count(*) AS n FROM kneeflow.jobs WHERE case_id = 'sleep1500-a' AND state = 'succeeded'"), 1, logs())
        // It stopped claiming: the other two are still queued, with no attempt charged.
        XCTAssertEqual(try count("SELECT count(*) AS n FROM kneeflow.jobs WHERE state = 'queued' AND attempts = 0"), 2)
        XCTAssertEqual(try count("SELECT count(*) AS n FROM kneeflow.workers WHERE stopped_at IS NOT NULL"), 1)
    }

    func testSigtermReleasesAJobThatOutlivesTheGrace() throws {
        try enqueue("term2", ["hang-a"])
        let w = try worker(["--run", "term2", "--grace", "0.5"], name: "term2")
        XCTAssertTrue(try waitUntil(timeout: 60) { try count("SELECT count(*) AS n FROM kneeflow.jobs WHERE state = 'running'") == 1 }, logs())
        kill(w.processIdentifier, SIGINT)
        XCTAssertTrue(waitExit(w, timeout: 60), logs())
        XCTAssertEqual(w.terminationStatus, 0, logs())
        XCTAssertEqual(try count("SELECT count(*) AS n FROM kneeflow.jobs WHERE state = 'queued' AND attempts = 0"), 1, logs())
        XCTAssertEqual(try count("SELECT count(*) AS n FROM kneeflow.job_attempts WHERE outcome = 'released'"), 1)
    }

    func testWorkersSurviveAServerRestart() throws {
        guard let cluster = TestDatabase.shared.embeddedCluster else { throw XCTSkip("no embedded test server") }
        try enqueue("restart", (0..<300).map { String(format: "sleep20-%03d", $0) })
        let procs = try (0..<2).map { try worker(["--run", "restart", "--exit-when-idle", "--lease", "20"], name: "r\($0)") }
        XCTAssertTrue(try waitUntil(timeout: 120) { try count("SELECT count(*) AS n FROM kneeflow.jobs WHERE state = 'succeeded'") >= 30 }, logs())
        try cluster.restart()
        conn.close()
        for p in procs { XCTAssertTrue(waitExit(p, timeout: 300), logs()) }
        XCTAssertEqual(procs.map(\.terminationStatus), [0, 0], logs())
        XCTAssertEqual(try count("SELECT count(*) AS n FROM kneeflow.jobs WHERE state = 'succeeded'"), 300, logs())
        XCTAssertEqual(try count("SELECT count(*) AS n FROM kneeflow.results"), 300)
        XCTAssertEqual(try count("SELECT count(*) AS n FROM kneeflow.job_attempts WHERE outcome = 'succeeded'"), 300)
    }
}
