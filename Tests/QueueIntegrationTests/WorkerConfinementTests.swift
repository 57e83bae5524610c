#if canImport(Glibc)
import Glibc
#endif
import Common
import Foundation
import Postgres
import Queue
import TestSupport
import XCTest

/// `kneeflow work` against hostile inputs and hung handlers: every refusal and every deadline is
/// a clear error on its own job, and the worker lives on to complete the next job.
final class WorkerConfinementTests: XCTestCase {
    var url: String!
    var conn: PostgresConnection!
    var dir: String!

    override func setUpWithError() throws {
        url = try QueueTestDB.make()
        conn = try PostgresConnection(url)
        dir = NSTemporaryDirectory() + "kf-wconf-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir + "/root", withIntermediateDirectories: true)
        try KneeflowBinary.require()
    }

    override func tearDown() {
        conn?.close()
        if let dir { try? FileManager.default.removeItem(atPath: dir) }
    }

    /// Runs one worker to completion (hang guard: 120 s), returning its exit status and log.
    func work(_ args: [String]) throws -> (Int32, String) {
        let log = dir + "/worker-\(UInt32.random(in: 0...UInt32.max)).log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let p = try KneeflowBinary.start(["work"] + args, environment: ["DATABASE_URL": url, "KNEEFLOW_LOG_LEVEL": "info"], stdout: h, stderr: h)
        let exited = waitUntil(timeout: 120) { !p.isRunning }
        if !exited { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        XCTAssertTrue(exited, "worker hung:\n\(text.suffix(3000))")
        return (p.terminationStatus, text)
    }

    func jobs() throws -> [String: (state: String, attempts: Int, error: String?, kind: String?)] {
        var out: [String: (String, Int, String?, String?)] = [:]
        for r in try conn.query("""
            SELECT j.case_id, j.state, j.attempts, j.last_error,
                   (SELECT a.error_kind FROM kneeflow.job_attempts a WHERE a.job_id = j.id ORDER BY a.id DESC LIMIT 1) AS kind
              FROM kneeflow.jobs j
            """) {
            out[try r.decode(String.self, column: "case_id")] = (try r.decode(String.self, column: "state"), try r.decode(Int.self, column: "attempts"),
                                                                 try r.decode(String?.self, column: "last_error"), try r.decode(String?.self, column: "kind"))
        }
        return out
    }

    /// The checksum handler reads each input through ConfinedFile at read time: paths that were
    /// swapped after enqueue for a symlink out of the root, a FIFO, /dev/zero, `../`, an absolute
    /// path elsewhere — each fails permanently as `input_refused`, and the good input succeeds.
    func testRefusedInputsFailTheirJobAndTheWorkerLivesOn() throws {
        let root = dir + "/root"
        try Data("root:$6$secret-hash::::::\n".utf8).write(to: URL(fileURLWithPath: dir + "/shadow"))
        chmod(dir + "/shadow", 0o600)
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: root + "/good.npy"))
        XCTAssertEqual(mkfifo(root + "/fifo.npy", 0o644), 0)
        try FileManager.default.createSymbolicLink(atPath: root + "/zero.npy", withDestinationPath: "/dev/zero")
        try FileManager.default.createSymbolicLink(atPath: root + "/shadow.npy", withDestinationPath: dir + "/shadow")
        let inputs = ["good": root + "/good.npy", "fifo": root + "/fifo.npy", "zero": root + "/zero.npy",
                      "shadow": root + "/shadow.npy", "dotdot": root + "/../shadow", "abs": "/etc/passwd"]
        let c = Coordinator(connection: conn)
        let run = try c.createRun(name: "conf", configJSON: "{\"handler\": \"checksum\"}", codeVersion: "test")
        try c.enqueue(runId: run.id, jobs: inputs.keys.sorted().map { NewJob(dataset: "d", caseId: $0, inputPath: inputs[$0]!, inputRoot: root) })
        let (status, log) = try work(["--run", "conf", "--exit-when-idle", "--poll", "0.2"])
        XCTAssertEqual(status, 0, log)
        let j = try jobs()
        XCTAssertEqual(j["good"]?.state, "succeeded", log)
        for name in ["fifo", "zero", "shadow", "dotdot", "abs"] {
            let job = try XCTUnwrap(j[name])
            XCTAssertEqual(job.state, "failed", name)
            XCTAssertEqual(job.attempts, 1, "\(name): a refused input is not retried")
            XCTAssertEqual(job.kind, "input_refused", name)
            XCTAssertFalse(job.error?.contains("secret-hash") ?? true, name)
        }
        XCTAssertTrue(j["fifo"]!.error!.contains("not a regular file (a FIFO)"), j["fifo"]!.error!)
        for name in ["zero", "shadow", "dotdot", "abs"] { XCTAssertTrue(j[name]!.error!.contains("outside the input root"), j[name]!.error!) }
    }

    /// A handler that hangs past the deadline (from the run configuration) fails its attempt with
    /// a deadline error; the worker claims and completes the next job and exits normally.
    func testAHungHandlerFailsAtItsDeadlineAndTheWorkerCompletesTheNextJob() throws {
        let c = Coordinator(connection: conn)
        let run = try c.createRun(name: "dl", configJSON: "{\"handler\": \"test\", \"deadlineSeconds\": 1.5}", codeVersion: "test")
        try c.enqueue(runId: run.id, jobs: ["hang-a", "next-b"].map { NewJob(dataset: "d", caseId: $0, inputPath: "/none") }, maxAttempts: 1)
        let (status, log) = try work(["--run", "dl", "--exit-when-idle", "--poll", "0.2", "--lease", "30"])
        XCTAssertEqual(status, 0, log)
        let j = try jobs()
        XCTAssertEqual(j["hang-a"]?.state, "failed", log)
        XCTAssertEqual(j["hang-a"]?.kind, "deadline")
        XCTAssertTrue(j["hang-a"]?.error?.contains("deadline: the handler was still running after 1.5 s") == true, j["hang-a"]?.error ?? "")
        XCTAssertEqual(j["next-b"]?.state, "succeeded", log)
        let failures = try StatusReader(connection: conn).recentFailures(run: "dl")
        XCTAssertEqual(failures.map(\.kind), [.deadline])
    }

    /// Past --max-abandoned abandoned handlers still running, the worker drains and exits 6 for
    /// its supervisor to restart it; the abandoned job is failed, not left running. --deadline
    /// overrides the run configuration.
    func testTooManyAbandonedHandlersMakeTheWorkerExitSix() throws {
        let c = Coordinator(connection: conn)
        let run = try c.createRun(name: "ab", configJSON: "{\"handler\": \"test\", \"deadlineSeconds\": 3600}", codeVersion: "test")
        try c.enqueue(runId: run.id, jobs: ["hang-a", "later-b"].map { NewJob(dataset: "d", caseId: $0, inputPath: "/none") }, maxAttempts: 2)
        let (status, log) = try work(["--run", "ab", "--poll", "0.2", "--deadline", "1", "--max-abandoned", "0", "--grace", "1"])
        XCTAssertEqual(status, 6, log)
        XCTAssertTrue(log.contains("too many abandoned handlers"), log)
        let j = try jobs()
        XCTAssertEqual(j["hang-a"]?.state, "queued", "retried later (attempt 1 of 2 charged)")
        XCTAssertEqual(j["hang-a"]?.attempts, 1)
        XCTAssertEqual(j["hang-a"]?.kind, "deadline")
        XCTAssertEqual(try QueueTestDB.int(conn, "SELECT count(*) AS n FROM kneeflow.jobs WHERE state = 'running'"), 0)
    }

    /// A job that hangs every worker until it is stopped: the first SIGTERM release is free, the
    /// second keeps its charge, so the job cannot cycle through workers forever.
    func testASecondSigtermReleaseKeepsTheAttemptCharge() throws {
        let c = Coordinator(connection: conn)
        let run = try c.createRun(name: "rel", configJSON: RunInfoTestConfig.test, codeVersion: "test")
        try c.enqueue(runId: run.id, jobs: [NewJob(dataset: "d", caseId: "hang-x", inputPath: "/none")], maxAttempts: 3)
        for expected in [0, 1] {
            let log = dir + "/rel-\(expected).log"
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            let h = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            let p = try KneeflowBinary.start(["work", "--run", "rel", "--grace", "0.5", "--poll", "0.2"],
                                             environment: ["DATABASE_URL": url, "KNEEFLOW_LOG_LEVEL": "info"], stdout: h, stderr: h)
            XCTAssertTrue(try waitUntil(timeout: 60) { try QueueTestDB.int(conn, "SELECT count(*) AS n FROM kneeflow.jobs WHERE state = 'running'") == 1 })
            kill(p.processIdentifier, SIGTERM)
            XCTAssertTrue(waitUntil(timeout: 60) { !p.isRunning })
            XCTAssertEqual(p.terminationStatus, 0)
            let j = try XCTUnwrap(try jobs()["hang-x"])
            XCTAssertEqual(j.state, "queued")
            XCTAssertEqual(j.attempts, expected, "release \(expected + 1)")
            XCTAssertEqual(j.kind, "released")
        }
    }
}

enum RunInfoTestConfig { static let test = "{\"handler\": \"test\"}" }
