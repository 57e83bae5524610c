import Common
import Foundation
import Postgres
import Queue
import TestHandlers
import TestSupport
import XCTest

/// The worker loop in-process with the test handler: retries, permanent failures, poison jobs,
/// max-jobs, handler factory errors.
final class WorkerTests: XCTestCase {
    var conn: PostgresConnection!
    var url: String!

    override func setUpWithError() throws {
        url = try QueueTestDB.make()
        conn = try PostgresConnection(url)
    }
    override func tearDown() { conn?.close() }

    func options() -> WorkerOptions {
        var o = WorkerOptions()
        o.exitWhenIdle = true
        o.leaseSeconds = 10
        o.retryPolicy = RetryPolicy(baseDelay: 0.05, maxDelay: 1, jitter: 0.5)
        return o
    }

    func testTransientRetriesThenFailsPermanentFailsAtOncePoisonDoesNotKillTheWorker() throws {
        let c = Coordinator(connection: conn)
        let run = try c.createRun(name: "w", configJSON: RunInfo.testConfig, codeVersion: "v")
        try c.enqueue(runId: run.id, jobs: ["transient-1", "permanent-2", "poison-3", "ok-4", "flaky3-5"].map {
            NewJob(dataset: "d", caseId: $0, inputPath: "/x")
        }, maxAttempts: 3)
        let w = Worker(connectionString: QueueTestDB.asWorker(url), options: options()) { _ in TestBehaviourHandler() }
        let summary = try w.run()
        let recs = Dictionary(uniqueKeysWithValues: try ResultsReader(connection: conn).jobs(runName: "w").map { ($0.caseId, $0) })
        XCTAssertEqual(recs["transient-1"]?.state, .failed)
        XCTAssertEqual(recs["transient-1"]?.attempts, 3)
        XCTAssertEqual(recs["transient-1"]?.lastError, "transient failure for transient-1")
        XCTAssertEqual(recs["permanent-2"]?.state, .failed)
        XCTAssertEqual(recs["permanent-2"]?.attempts, 1)
        XCTAssertEqual(recs["permanent-2"]?.lastError, "permanent failure for permanent-2")
        XCTAssertEqual(recs["poison-3"]?.state, .failed)
        XCTAssertEqual(recs["poison-3"]?.lastError, "poison pill for poison-3")
        XCTAssertEqual(recs["ok-4"]?.state, .succeeded)
        XCTAssertEqual(recs["flaky3-5"]?.state, .succeeded)
        XCTAssertEqual(recs["flaky3-5"]?.attempts, 3)
        XCTAssertEqual(summary.succeeded, 2)
        XCTAssertEqual(summary.failed, 3)
        XCTAssertEqual(summary.retried, 2 + 2 + 2)
        let outcomes = try conn.query("""
            SELECT a.outcome FROM kneeflow.job_attempts a JOIN kneeflow.jobs j ON j.id = a.job_id
             WHERE j.case_id = 'transient-1' ORDER BY a.attempt
            """).map { try $0.decode(String.self, column: "outcome") }
        XCTAssertEqual(outcomes, ["retry", "retry", "failed"])
        // Backoff: each retry was scheduled after the previous attempt ended.
        XCTAssertEqual(try QueueTestDB.int(conn, """
            SELECT count(*) AS n FROM kneeflow.job_attempts a JOIN kneeflow.job_attempts b
              ON a.job_id = b.job_id AND b.attempt = a.attempt + 1 WHERE b.started_at < a.ended_at
            """), 0)
    }

    func testHeartbeatsKeepALongJobsLeaseAlive() throws {
        let c = Coordinator(connection: conn)
        let run = try c.createRun(name: "long", configJSON: RunInfo.testConfig, codeVersion: "v")
        try c.enqueue(runId: run.id, jobs: [NewJob(dataset: "d", caseId: "sleep3000-long", inputPath: "/x")])
        var o = options()
        o.leaseSeconds = 1          // the job runs three leases long; heartbeats every 1/3 s
        o.reapInterval = 0.2        // and the reaper looks often
        let summary = try Worker(connectionString: QueueTestDB.asWorker(url), options: o) { _ in TestBehaviourHandler() }.run()
        XCTAssertEqual(summary.succeeded, 1)
        XCTAssertEqual(summary.leaseLost, 0)
        let rec = try XCTUnwrap(ResultsReader(connection: conn).jobs(runName: "long").first)
        XCTAssertEqual(rec.state, .succeeded)
        XCTAssertEqual(rec.attempts, 1)
        XCTAssertEqual(try QueueTestDB.int(conn, "SELECT count(*) AS n FROM kneeflow.job_attempts WHERE outcome = 'lease_expired'"), 0)
    }

    func testMaxJobsAndUnknownHandler() throws {
        let c = Coordinator(connection: conn)
        let run = try c.createRun(name: "m", configJSON: "{}", codeVersion: "v")
        try c.enqueue(runId: run.id, jobs: (0..<5).map { NewJob(dataset: "d", caseId: "c\($0)", inputPath: "/x") })
        var o = options()
        o.maxJobs = 2
        o.exitWhenIdle = false
        struct NoHandler: Error {}
        let summary = try Worker(connectionString: QueueTestDB.asWorker(url), options: o) { _ in throw NoHandler() }.run()
        XCTAssertEqual(summary.failed, 2)
        XCTAssertEqual(try QueueTestDB.int(conn, "SELECT count(*) AS n FROM kneeflow.jobs WHERE state = 'failed' AND attempts = 1"), 2)
        XCTAssertEqual(try QueueTestDB.int(conn, "SELECT count(*) AS n FROM kneeflow.jobs WHERE state = 'queued'"), 3)
    }

    func testChecksumHandlerRecordsSizeAndSHA256() throws {
        let path = NSTemporaryDirectory() + "kf-in-\(UInt32.random(in: 0...UInt32.max)).npy"
        try Data("abc".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let c = Coordinator(connection: conn)
        let run = try c.createRun(name: "cs", configJSON: "{\"handler\":\"checksum\"}", codeVersion: "v")
        try c.enqueue(runId: run.id, jobs: [NewJob(dataset: "d", caseId: "ok", inputPath: path),
                                            NewJob(dataset: "d", caseId: "missing", inputPath: path + ".nope")])
        _ = try Worker(connectionString: QueueTestDB.asWorker(url), options: options()) { _ in try XCTUnwrap(BuiltinHandlers.make(named: "checksum")) }.run()
        let recs = try ResultsReader(connection: conn).jobs(runName: "cs")
        XCTAssertEqual(recs.map(\.state), [.failed, .succeeded])
        XCTAssertEqual(recs[0].attempts, 1)   // permanent
        let m = try XCTUnwrap(recs[1].metricsJSON)
        // SHA-256("abc") is the FIPS 180-4 test vector.
        XCTAssertTrue(m.contains("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), m)
        XCTAssertTrue(m.contains("\"input_bytes\": 3"), m)
    }
}
