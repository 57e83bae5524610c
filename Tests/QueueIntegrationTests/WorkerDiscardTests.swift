import Common
import Foundation
import Postgres
import Queue
import TestSupport
import XCTest

/// The worker loop removes an attempt's files whenever its result will never be published: the
/// handler failed, or its completion was rejected because another worker took the job over.
final class WorkerDiscardTests: XCTestCase {
    var conn: PostgresConnection!
    var url: String!
    var dir: String!

    override func setUpWithError() throws {
        url = try QueueTestDB.make()
        conn = try PostgresConnection(url)
        dir = NSTemporaryDirectory() + "kf-discard-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() {
        conn?.close()
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// Writes `<dir>/<case>/attempt-<token>/out` and, for `stolen-…` cases, has another worker
    /// take the job over (lease expired, reaped, reclaimed and completed) before returning, so
    /// this worker's completion is rejected; `fail-…` cases throw after writing.
    struct WritingHandler: JobHandler {
        let dir: String
        let url: String

        func attemptDir(_ job: ClaimedJob) -> String { dir + "/" + job.caseId + "/attempt-" + job.leaseToken }

        func handle(_ job: ClaimedJob, run: RunInfo) throws -> JobOutput {
            try AtomicFile.write(string: "mine", to: attemptDir(job) + "/out", durable: false)
            if job.caseId.hasPrefix("fail-") { throw JobError.permanent("failed after writing") }
            if job.caseId.hasPrefix("stolen-") {
                let c = try PostgresConnection(url)
                defer { c.close() }
                try c.execute("UPDATE kneeflow.jobs SET lease_expires_at = now() - interval '1 second' WHERE id = \(job.id)")
                _ = try c.query(QueueSQL.reap)
                let other = try c.query(QueueSQL.claim(worker: "other", leaseSeconds: 60, limit: 1, runId: job.runId)).first
                let id = try XCTUnwrap(other).decode(Int64.self, column: "id")
                let token = try XCTUnwrap(other).decode(String.self, column: "lease_token")
                try AtomicFile.write(string: "winner", to: dir + "/" + job.caseId + "/attempt-" + token + "/out", durable: false)
                XCTAssertEqual(try c.query(QueueSQL.complete(jobId: id, token: token, output: JobOutput(metricsJSON: "{\"winner\": true}"))).first?
                    .decode(Bool.self, column: "ok"), true)
            }
            return JobOutput(metricsJSON: "{\"winner\": false}")
        }

        func discardAttempt(_ job: ClaimedJob, run: RunInfo) {
            try? FileManager.default.removeItem(atPath: attemptDir(job))
        }
    }

    func testRejectedAndFailedAttemptsLeaveNoFilesAndTheWinnersStay() throws {
        let c = Coordinator(connection: conn)
        let run = try c.createRun(name: "disc", configJSON: "{\"handler\": \"x\"}", codeVersion: "v")
        try c.enqueue(runId: run.id, jobs: ["stolen-a", "fail-b", "ok-c"].map { NewJob(dataset: "d", caseId: $0, inputPath: "/x") }, maxAttempts: 2)
        var o = WorkerOptions()
        o.exitWhenIdle = true
        o.leaseSeconds = 30
        let (d, u) = (dir!, url!)
        let summary = try Worker(connectionString: url, options: o) { _ in WritingHandler(dir: d, url: u) }.run()
        XCTAssertEqual(summary.leaseLost, 1)
        XCTAssertEqual(summary.failed, 1)
        XCTAssertEqual(summary.succeeded, 1)
        func contents(_ caseId: String) -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: dir + "/" + caseId)) ?? []).map {
                (try? String(contentsOfFile: dir + "/" + caseId + "/" + $0 + "/out", encoding: .utf8)) ?? "?"
            }
        }
        XCTAssertEqual(contents("stolen-a"), ["winner"], "the stale attempt's directory is gone, the winner's stays")
        XCTAssertEqual(contents("fail-b"), [], "a failed attempt's partial files are removed")
        XCTAssertEqual(contents("ok-c"), ["mine"])
        XCTAssertEqual(try QueueTestDB.int(conn, "SELECT count(*) AS n FROM kneeflow.results WHERE metrics @> '{\"winner\": true}'"), 1)
    }
}
