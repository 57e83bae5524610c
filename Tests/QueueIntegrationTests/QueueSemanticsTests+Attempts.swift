import Foundation
import Postgres
import Queue
import TestSupport
import XCTest

/// Migration 007's state machine: heartbeats by lease token, attempt kinds, the release charge.
extension QueueSemanticsTests {
    func testHeartbeatExtendsOnlyLiveLeases() throws {
        try enqueue(["a", "b"])
        let jobs = try claim(worker: "w1", lease: 1, limit: 2)
        try conn.execute("UPDATE kneeflow.jobs SET lease_expires_at = now() - interval '1 second' WHERE case_id = 'b'")
        XCTAssertEqual(try QueueTestDB.int(conn, QueueSQL.heartbeat(worker: "w1", tokens: jobs.map(\.leaseToken), leaseSeconds: 600), "extended"), 1)
        XCTAssertEqual(try QueueTestDB.int(conn, "SELECT count(*) AS n FROM kneeflow.jobs WHERE lease_expires_at > now() + interval '500 seconds'"), 1)
    }

    /// A job the worker no longer names (abandoned past its deadline) is never extended, even
    /// though the worker still owns its lease; nor does another worker's heartbeat extend it.
    func testHeartbeatDoesNotExtendAnAbandonedJob() throws {
        try enqueue(["held", "abandoned"])
        let jobs = try claim(worker: "w1", lease: 30, limit: 2)
        let held = try XCTUnwrap(jobs.first { $0.caseId == "held" }), abandoned = try XCTUnwrap(jobs.first { $0.caseId == "abandoned" })
        XCTAssertEqual(try QueueTestDB.int(conn, QueueSQL.heartbeat(worker: "w1", tokens: [held.leaseToken], leaseSeconds: 600), "extended"), 1)
        XCTAssertEqual(try QueueTestDB.int(conn, QueueSQL.heartbeat(worker: "w2", tokens: [abandoned.leaseToken], leaseSeconds: 600), "extended"), 0)
        XCTAssertEqual(try QueueTestDB.int(conn, QueueSQL.heartbeat(worker: "w1", tokens: [], leaseSeconds: 600), "extended"), 0)
        let left = try QueueTestDB.int(conn, "SELECT ceil(extract(epoch FROM lease_expires_at - now()))::int AS n FROM kneeflow.jobs WHERE case_id = 'abandoned'")
        XCTAssertLessThanOrEqual(left, 30, "the abandoned job keeps its original lease")
        XCTAssertGreaterThan(try QueueTestDB.int(conn, "SELECT ceil(extract(epoch FROM lease_expires_at - now()))::int AS n FROM kneeflow.jobs WHERE case_id = 'held'"), 500)
    }

    func kinds() throws -> [String?] {
        try conn.query("SELECT error_kind FROM kneeflow.job_attempts ORDER BY id").map { try $0.decode(String?.self, column: "error_kind") }
    }

    /// A stopping worker's release is free the first time only; then the attempt stays charged
    /// and the job fails once its attempts are spent (a job that hangs every worker until SIGTERM
    /// cannot cycle forever). store_full releases are never charged.
    func testReleaseIsFreeOnceThenCharged() throws {
        try enqueue(["p"], maxAttempts: 2)
        for expected in [("queued", 0), ("queued", 1), ("failed", 2)] {
            let j = try XCTUnwrap(claim().first)
            XCTAssertEqual(try conn.query(QueueSQL.release(jobId: j.id, token: j.leaseToken, kind: .released)).first?.decode(Bool.self, column: "ok"), true)
            XCTAssertEqual(try state("p").0, expected.0)
            XCTAssertEqual(try state("p").1, expected.1)
        }
        let err = try XCTUnwrap(conn.query("SELECT last_error FROM kneeflow.jobs").first?.decode(String.self, column: "last_error"))
        XCTAssertTrue(err.contains("released"), err)
        XCTAssertEqual(try kinds(), ["released", "released", "released"])
        XCTAssertEqual(try conn.query("SELECT outcome FROM kneeflow.job_attempts ORDER BY id").map { try $0.decode(String.self, column: "outcome") },
                       ["released", "released", "failed"])
    }

    func testStoreFullReleaseIsNeverCharged() throws {
        try enqueue(["s"], maxAttempts: 1)
        for _ in 0..<4 {
            let j = try XCTUnwrap(claim().first)
            XCTAssertEqual(try conn.query(QueueSQL.release(jobId: j.id, token: j.leaseToken, kind: .storeFull)).first?.decode(Bool.self, column: "ok"), true)
            XCTAssertEqual(try state("s").0, "queued")
            XCTAssertEqual(try state("s").1, 0)
        }
        XCTAssertEqual(try kinds(), ["store_full", "store_full", "store_full", "store_full"])
    }

    /// Crashes, handler errors, refused inputs and deadlines are told apart in the attempt record
    /// and in `kneeflow status`'s failures; 002's four-argument fail still works.
    func testAttemptKindsAreRecordedAndShownInFailures() throws {
        try enqueue(["h", "i", "d", "l", "o"], maxAttempts: 1)
        for (caseId, kind) in [("h", AttemptErrorKind.handlerError), ("i", .inputRefused), ("d", .deadline)] {
            let j = try XCTUnwrap(claim().first)
            XCTAssertEqual(j.caseId, caseId)
            _ = try conn.query(QueueSQL.fail(jobId: j.id, token: j.leaseToken, error: "e-\(caseId)", retryDelay: nil, kind: kind))
        }
        _ = try claim(lease: 0.001)
        Thread.sleep(forTimeInterval: 0.05)
        XCTAssertEqual(try QueueTestDB.int(conn, QueueSQL.reap, "reaped"), 1)
        let o = try XCTUnwrap(claim().first)
        _ = try conn.query("SELECT kneeflow.fail(\(o.id)::bigint, \(o.leaseToken)::uuid, 'old', NULL::float8) AS s")
        XCTAssertEqual(try kinds(), ["handler_error", "input_refused", "deadline", "lease_expired", "handler_error"])
        let failures = try StatusReader(connection: conn).recentFailures(run: nil, limit: 10)
        XCTAssertEqual(Set(failures.compactMap(\.kind)), [.handlerError, .inputRefused, .deadline, .leaseExpired])
        XCTAssertThrowsError(try conn.query("SELECT kneeflow.fail(1, gen_random_uuid(), 'x', NULL, 'bogus')"))
    }
}
