import Common
import Foundation
import Postgres
import Queue
import TestHandlers
import TestSupport
import XCTest

/// Runs, bulk enqueue, hostile names, the results reader.
final class CoordinatorTests: XCTestCase {
    var conn: PostgresConnection!
    override func setUpWithError() throws { conn = try PostgresConnection(try QueueTestDB.make()) }
    override func tearDown() { conn?.close() }

    func testCreateRunIsIdempotentAndRefusesADifferentConfig() throws {
        let c = Coordinator(connection: conn)
        let a = try c.createRun(name: "r", configJSON: "{\"a\": 1}", codeVersion: "v1")
        let b = try c.createRun(name: "r", configJSON: "{\"a\": 1}", codeVersion: "v1")
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.configJSON, "{\"a\": 1}")   // exact text kept
        XCTAssertEqual(a.configSHA256, "f9d86028c6e0d64e225186f96acb69338b2c59764df79162107f5c4bb34d1310")   // python hashlib.sha256(b'{"a": 1}')
        XCTAssertThrowsError(try c.createRun(name: "r", configJSON: "{\"a\": 2}", codeVersion: "v1")) { e in
            XCTAssertEqual((e as? QueueError)?.code, .runConflict)
        }
        XCTAssertThrowsError(try c.createRun(name: "bad", configJSON: "not json", codeVersion: "v1"))
    }

    func testEnqueueTwiceAddsNothingAndNotifies() throws {
        let c = Coordinator(connection: conn)
        let run = try c.createRun(name: "r", configJSON: "{}", codeVersion: "v")
        let listener = try PostgresConnection(conn.connectionStringForTests)
        defer { listener.close() }
        try listener.listen(QueueSQL.channel)
        let jobs = (0..<500).map { NewJob(dataset: "d", caseId: "c\($0)", inputPath: "/p/\($0)", label: $0 % 2) }
        XCTAssertEqual(try c.enqueue(runId: run.id, jobs: jobs), .init(submitted: 500, inserted: 500))
        XCTAssertEqual(try listener.waitForNotification(timeout: 10)?.payload, String(run.id))
        XCTAssertEqual(try c.enqueue(runId: run.id, jobs: jobs + [jobs[0]]), .init(submitted: 501, inserted: 0))
        XCTAssertEqual(try QueueTestDB.int(conn, "SELECT count(*) AS n FROM kneeflow.jobs"), 500)
        // Same case ids in another dataset are different jobs.
        let other = jobs.prefix(3).map { NewJob(dataset: "e", caseId: $0.caseId, inputPath: $0.inputPath) }
        XCTAssertEqual(try c.enqueue(runId: run.id, jobs: Array(other)).inserted, 3)
    }

    func testHostileNamesAreStoredVerbatimAndWork() throws {
        let hostile = ["it's", "\"quoted\"", "a; DROP TABLE kneeflow.jobs; --", "$1", "$2::text", "\\N", "tab\tnl\ncr\r",
                       "ünïcödé ✓ 🦴 日本語", String(repeating: "x'\";$1é", count: 1500), ""]
        let c = Coordinator(connection: conn)
        let runName = hostile[2] + String(repeating: "R", count: 10_000)
        let run = try c.createRun(name: runName, configJSON: RunInfo.testConfig, codeVersion: "v")
        var jobs: [NewJob] = []
        for (i, d) in hostile.enumerated() {
            for (k, cs) in hostile.enumerated() where !cs.isEmpty {
                jobs.append(NewJob(dataset: d.isEmpty ? "empty-\(i)" : d, caseId: cs, inputPath: cs + "/\(k)", label: k % 2))
            }
        }
        XCTAssertEqual(try c.enqueue(runId: run.id, jobs: jobs).inserted, jobs.count)
        XCTAssertEqual(try c.enqueue(runId: run.id, jobs: jobs).inserted, 0)
        var opts = WorkerOptions()
        opts.exitWhenIdle = true
        opts.concurrency = 2
        opts.leaseSeconds = 30
        let worker = Worker(connectionString: QueueTestDB.asWorker(conn.connectionStringForTests), options: opts) { _ in TestBehaviourHandler() }
        let summary = try worker.run()
        XCTAssertEqual(summary.succeeded, jobs.count)
        let records = try ResultsReader(connection: conn).jobs(runName: runName)
        XCTAssertEqual(records.count, jobs.count)
        let expected = jobs.sorted { ($0.dataset.utf8.lexicographicallyPrecedes($1.dataset.utf8)) ||
            ($0.dataset == $1.dataset && $0.caseId.utf8.lexicographicallyPrecedes($1.caseId.utf8)) }
        XCTAssertEqual(records.map(\.dataset), expected.map(\.dataset))
        XCTAssertEqual(records.map(\.caseId), expected.map(\.caseId))
        XCTAssertEqual(records.map(\.inputPath), expected.map(\.inputPath))
        XCTAssertTrue(records.allSatisfy { $0.state == .succeeded && $0.probability != nil && $0.finishedAt != nil })
        XCTAssertEqual(try ResultsReader(connection: conn).run(named: runName)?.id, run.id)
        XCTAssertNil(try ResultsReader(connection: conn).run(named: runName + "x"))
    }

    func testResultsReaderOrderAndFields() throws {
        let c = Coordinator(connection: conn)
        let run = try c.createRun(name: "rr", configJSON: "{}", codeVersion: "v")
        try c.enqueue(runId: run.id, jobs: [NewJob(dataset: "b", caseId: "2", inputPath: "/x", label: 1),
                                            NewJob(dataset: "a", caseId: "10", inputPath: "/y", inputSHA256: "ab"),
                                            NewJob(dataset: "a", caseId: "1", inputPath: "/z")])
        let recs = try ResultsReader(connection: conn).jobs(runName: "rr")
        XCTAssertEqual(recs.map { "\($0.dataset)/\($0.caseId)" }, ["a/1", "a/10", "b/2"])
        XCTAssertEqual(recs[1].inputSHA256, "ab")
        XCTAssertEqual(recs[2].label, 1)
        XCTAssertEqual(recs[0].state, .queued)
        XCTAssertNil(recs[0].metricsJSON)
        XCTAssertThrowsError(try ResultsReader(connection: conn).jobs(runName: "nope"))
    }
}
