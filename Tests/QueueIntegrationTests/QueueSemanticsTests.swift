import Foundation
import Postgres
import Queue
import TestSupport
import XCTest

/// The SQL state machine, driven statement by statement (no worker): claim order, SKIP LOCKED,
/// run_after, token fencing, fail/retry, reap, release, cancel, requeue.
final class QueueSemanticsTests: XCTestCase {
    var conn: PostgresConnection!
    var runId: Int64 = 0

    override func setUpWithError() throws {
        conn = try PostgresConnection(try QueueTestDB.make())
        runId = try Coordinator(connection: conn).createRun(name: "s", configJSON: "{}", codeVersion: "v").id
    }
    override func tearDown() { conn?.close() }

    func enqueue(_ ids: [String], priority: Int = 0, maxAttempts: Int = 3) throws {
        try Coordinator(connection: conn).enqueue(runId: runId, jobs: ids.map {
            NewJob(dataset: "d", caseId: $0, inputPath: "/in/\($0)", priority: priority)
        }, maxAttempts: maxAttempts)
    }

    func claim(_ c: PostgresConnection? = nil, worker: String = "w1", lease: Double = 60, limit: Int = 1) throws -> [ClaimedJob] {
        try (c ?? conn).query(QueueSQL.claim(worker: worker, leaseSeconds: lease, limit: limit, runId: nil)).map {
            ClaimedJob(id: try $0.decode(Int64.self, column: "id"), runId: try $0.decode(Int64.self, column: "run_id"),
                       dataset: try $0.decode(String.self, column: "dataset"), caseId: try $0.decode(String.self, column: "case_id"),
                       inputPath: try $0.decode(String.self, column: "input_path"), inputSHA256: nil, label: nil,
                       attempt: try $0.decode(Int.self, column: "attempt"), maxAttempts: try $0.decode(Int.self, column: "max_attempts"),
                       leaseToken: try $0.decode(String.self, column: "lease_token"))
        }
    }

    func state(_ caseId: String) throws -> (String, Int) {
        let r = try XCTUnwrap(conn.query("SELECT state, attempts FROM kneeflow.jobs WHERE case_id = \(caseId)").first)
        return (try r.decode(String.self, column: "state"), try r.decode(Int.self, column: "attempts"))
    }

    func complete(_ j: ClaimedJob, p: Double = 0.5) throws -> Bool {
        try XCTUnwrap(conn.query(QueueSQL.complete(jobId: j.id, token: j.leaseToken, output: JobOutput(probability: p))).first)
            .decode(Bool.self, column: "ok")
    }

    func testClaimOrderIsPriorityThenIdAndHonoursRunAfter() throws {
        try enqueue(["a", "b"], priority: 5)
        try enqueue(["c", "d"], priority: 1)
        try conn.execute("UPDATE kneeflow.jobs SET run_after = now() + interval '1 hour' WHERE case_id = 'c'")
        XCTAssertEqual(try claim(limit: 2).map(\.caseId), ["d", "a"])
        XCTAssertEqual(try claim(limit: 5).map(\.caseId), ["b"])
        XCTAssertEqual(try claim().count, 0)
    }

    func testSkipLockedGivesConcurrentClaimersDisjointJobs() throws {
        try enqueue(["a", "b", "c"])
        let other = try PostgresConnection(conn.connectionStringForTests)
        defer { other.close() }
        try conn.execute("BEGIN")
        let first = try claim(limit: 2)           // rows stay locked until COMMIT
        let second = try claim(other, worker: "w2", limit: 2)
        try conn.execute("COMMIT")
        XCTAssertEqual(first.map(\.caseId), ["a", "b"])
        XCTAssertEqual(second.map(\.caseId), ["c"])
    }

    func testCompletionIsFencedByTheLeaseToken() throws {
        try enqueue(["a"])
        let j = try XCTUnwrap(claim().first)
        var forged = j
        forged = ClaimedJob(id: j.id, runId: j.runId, dataset: j.dataset, caseId: j.caseId, inputPath: j.inputPath, inputSHA256: nil,
                            label: nil, attempt: j.attempt, maxAttempts: j.maxAttempts, leaseToken: UUID().uuidString.lowercased())
        XCTAssertFalse(try complete(forged))
        XCTAssertEqual(try QueueTestDB.int(conn, "SELECT count(*) AS n FROM kneeflow.results"), 0)
        XCTAssertTrue(try complete(j, p: 0.25))
        XCTAssertFalse(try complete(j, p: 0.99))    // replay
        XCTAssertEqual(try conn.query("SELECT probability FROM kneeflow.results").first?.decode(Double.self, column: "probability"), 0.25)
        XCTAssertEqual(try state("a").0, "succeeded")
    }

    func testExpiredLeaseIsReapedAndStaleCompletionRejected() throws {
        try enqueue(["a"])
        let j = try XCTUnwrap(claim(lease: 60).first)
        try conn.execute("UPDATE kneeflow.jobs SET lease_expires_at = now() - interval '1 second'")
        XCTAssertFalse(try complete(j))                        // expired: rejected even before reaping
        XCTAssertEqual(try QueueTestDB.int(conn, QueueSQL.reap, "reaped"), 1)
        XCTAssertEqual(try state("a").0, "queued")
        let again = try XCTUnwrap(claim(worker: "w2").first)
        XCTAssertEqual(again.attempt, 2)
        XCTAssertFalse(try complete(j))
        XCTAssertTrue(try complete(again))
        let outcomes = try conn.query("SELECT outcome FROM kneeflow.job_attempts ORDER BY id").map { try $0.decode(String.self, column: "outcome") }
        XCTAssertEqual(outcomes, ["lease_expired", "succeeded"])
    }

    func testReapFailsJobsWithExhaustedAttempts() throws {
        try enqueue(["a"], maxAttempts: 1)
        _ = try claim()
        try conn.execute("UPDATE kneeflow.jobs SET lease_expires_at = now() - interval '1 second'")
        XCTAssertEqual(try QueueTestDB.int(conn, QueueSQL.reap, "reaped"), 1)
        XCTAssertEqual(try state("a").0, "failed")
    }

    func testFailTransientRetriesThenFailsPermanentFailsAtOnce() throws {
        try enqueue(["t", "p"], maxAttempts: 2)
        let t1 = try XCTUnwrap(claim().first)
        XCTAssertEqual(try conn.query(QueueSQL.fail(jobId: t1.id, token: t1.leaseToken, error: "net down", retryDelay: 0)).first?
            .decode(String?.self, column: "state"), "queued")
        let t2 = try XCTUnwrap(claim().first)   // due again at once, lowest id first
        XCTAssertEqual(t2.caseId, "t")
        XCTAssertEqual(t2.attempt, 2)
        // Even with a delay, the last attempt fails.
        XCTAssertEqual(try conn.query(QueueSQL.fail(jobId: t2.id, token: t2.leaseToken, error: "net down again", retryDelay: 5)).first?
            .decode(String?.self, column: "state"), "failed")
        XCTAssertEqual(try conn.query("SELECT last_error FROM kneeflow.jobs WHERE case_id = 't'").first?.decode(String.self, column: "last_error"), "net down again")
        let p1 = try XCTUnwrap(claim().first)
        XCTAssertEqual(p1.caseId, "p")
        XCTAssertEqual(try conn.query(QueueSQL.fail(jobId: p1.id, token: p1.leaseToken, error: "corrupt", retryDelay: nil)).first?
            .decode(String?.self, column: "state"), "failed")
        XCTAssertEqual(try state("p").1, 1)
        // A stale token cannot fail the job either.
        XCTAssertNil(try conn.query(QueueSQL.fail(jobId: t1.id, token: t1.leaseToken, error: "x", retryDelay: nil)).first?
            .decode(String?.self, column: "state"))
        // Retry delays push run_after into the future.
        try enqueue(["later"])
        let l = try XCTUnwrap(claim().first)
        _ = try conn.query(QueueSQL.fail(jobId: l.id, token: l.leaseToken, error: "wait", retryDelay: 3600))
        XCTAssertEqual(try claim().count, 0)
        XCTAssertEqual(try QueueTestDB.int(conn, "SELECT count(*) AS n FROM kneeflow.recent_failures"), 4)
    }

    func testReleaseDoesNotChargeAnAttempt() throws {
        try enqueue(["a"])
        let j = try XCTUnwrap(claim().first)
        XCTAssertEqual(try conn.query(QueueSQL.release(jobId: j.id, token: j.leaseToken)).first?.decode(Bool.self, column: "ok"), true)
        XCTAssertEqual(try state("a").0, "queued")
        XCTAssertEqual(try state("a").1, 0)
        XCTAssertEqual(try claim().first?.attempt, 1)
    }

    func testCancelAndRequeue() throws {
        try enqueue(["a", "b", "c"], maxAttempts: 1)
        let a = try XCTUnwrap(claim().first)
        _ = try conn.query(QueueSQL.fail(jobId: a.id, token: a.leaseToken, error: "x", retryDelay: nil))
        _ = try claim()   // b running
        let c = Coordinator(connection: conn)
        XCTAssertEqual(try c.cancel(runId: runId), 2)    // b running, c queued
        XCTAssertEqual(try state("b").0, "cancelled")
        XCTAssertEqual(try c.requeueFailed(runId: runId), 1)
        XCTAssertEqual(try state("a").0, "queued")
        XCTAssertEqual(try state("a").1, 0)
    }

    func testProgressView() throws {
        try enqueue(["a", "b", "c", "d"])
        let j = try XCTUnwrap(claim().first)
        XCTAssertTrue(try complete(j))
        _ = try claim()
        let p = try XCTUnwrap(StatusReader(connection: conn).progress(run: "s").first)
        XCTAssertEqual([p.total, p.queued, p.running, p.succeeded, p.failed], [4, 2, 1, 1, 0])
        XCTAssertEqual(p.percentDone, 25)
        XCTAssertNotNil(p.etaSeconds)
        XCTAssertEqual(try StatusReader(connection: conn).progress(run: "other").count, 0)
    }
}
