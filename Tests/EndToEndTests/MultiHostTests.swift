import Common
import Foundation
import Postgres
import Queue
import TestSupport
import XCTest

/// KneeFlow across machines, for real: a PostgreSQL server on one host, workers on three others,
/// each host a Linux network namespace with its own address (`NetworkLab`). The server listens on
/// its host's address only (`db up --listen`: hostssl, scram-sha-256, a generated CA); each
/// worker host has its own login of the worker role (`db login worker`) and connects with
/// `sslmode=verify-full`; artifacts go to one shared directory. Coordinator commands run on the
/// database host over its Unix socket.
///
/// 1. A run of real (small) volumes through the chain completes exactly once over three hosts.
/// 2. One host's link is cut while it is inside a job: the others reclaim that job after its lease
///    and complete it; when the link comes back, the cut-off worker's completion is rejected and
///    the winner's artifacts stay as they were.
///
/// Runs where it can (root, iproute2: CI); elsewhere it skips, saying why.
final class MultiHostTests: XCTestCase {
    var lab: NetworkLab?
    var dir = ""

    override func setUpWithError() throws {
        try KneeflowBinary.require()
        if let why = NetworkLab.unavailableReason() { throw XCTSkip("multi-host test: \(why)") }
        dir = NSTemporaryDirectory() + "kf-multihost-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        chmod(dir, 0o755)
    }

    override func tearDownWithError() throws {
        lab?.tearDown()
        if !dir.isEmpty {
            let home = dir + "/dbhome"
            if FileManager.default.fileExists(atPath: home) {
                _ = try? KneeflowBinary.run(["db", "down"], environment: ["KNEEFLOW_HOME": home])
            }
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    /// Lease of every worker here, seconds (heartbeat every lease / 3; reaping every min(5, lease)).
    let lease = 6.0

    func testWorkersOnThreeHostsSurviveACutLink() throws {
        let lab = try NetworkLab(hostNames: ["db", "w1", "w2", "w3"])
        self.lab = lab
        let db = lab.host("db")
        let home = dir + "/dbhome", artifacts = dir + "/shared-artifacts", cohort = dir + "/cohort"
        let port = 5432
        let coordinatorEnv = ["KNEEFLOW_HOME": home, "KNEEFLOW_ARTIFACTS": artifacts]

        // The server, on the database host's address only.
        try check(lab.kneeflow(on: db, ["db", "up", "--listen", "\(db.address):\(port)"], environment: coordinatorEnv))
        XCTAssertTrue(lab.canConnect(from: lab.host("w1"), to: db.address, port: port), "w1 cannot reach the server")
        XCTAssertFalse(lab.canConnect(from: db, to: "127.0.0.1", port: port),
                       "the server listens on its host's address only, not on loopback")

        // Real volumes, a shared artifact directory every host writes to.
        try check(KneeflowBinary.run(["synth", "--out", cohort, "--datasets", "site-m:12,site-n:6", "--size", "64",
                                      "--slices", "12:16", "--seed", "5", "--tear-fraction", "0.5"]))
        try check(lab.kneeflow(on: db, ["enqueue", "--run", "multi", "--dataset", "site-m=" + cohort + "/site-m"],
                               environment: coordinatorEnv))

        // One login per worker host, its URL verify-full against the generated CA.
        var urls: [String: String] = [:]
        for name in ["w1", "w2", "w3"] {
            let out = try check(lab.kneeflow(on: db, ["db", "login", "worker", "--name", "kf_\(name)"], environment: coordinatorEnv))
            let url = try XCTUnwrap(out.stdout.split(whereSeparator: \.isWhitespace).map(String.init)
                .first { $0.hasPrefix("postgresql://") }, "db login printed no URL:\n\(out.stdout)")
            XCTAssertTrue(url.contains("sslmode=verify-full"), url)
            XCTAssertTrue(url.contains("@\(db.address):\(port)/"), url)
            urls[name] = url
        }
        func workerEnv(_ name: String) -> [String: String] {
            ["DATABASE_URL": urls[name]!, "KNEEFLOW_ARTIFACTS": artifacts, "KNEEFLOW_HOME": dir + "/home-\(name)",
             "OPENBLAS_NUM_THREADS": "1"]
        }
        let local = try PostgresConnection(DatabaseLocator.resolveConnectionString(startIfNeeded: false, environment: coordinatorEnv))
        defer { local.close() }

        // 1. Twelve volumes, three hosts, each job exactly once.
        let workers = try ["w1", "w2", "w3"].map { name in
            try lab.startKneeflow(on: lab.host(name), ["work", "--run", "multi", "--exit-when-idle", "--poll", "0.5",
                                                      "--lease", String(lease)],
                                  environment: workerEnv(name), log: dir + "/\(name)-1.log")
        }
        for (i, w) in workers.enumerated() {
            XCTAssertTrue(waitUntil(timeout: 300) { !w.isRunning }, "worker w\(i + 1) did not finish")
            XCTAssertEqual(w.terminationStatus, 0, log("w\(i + 1)-1"))
        }
        let first = try attempts(local, run: "multi")
        XCTAssertEqual(Set(first.map(\.caseId)).count, 12)
        XCTAssertEqual(first.filter { $0.outcome == "succeeded" }.count, 12, "\(first)")
        XCTAssertEqual(first.count, 12, "no job ran twice: \(first)")
        XCTAssertEqual(try count(local, "SELECT count(*) FROM kneeflow.results r JOIN kneeflow.jobs j ON j.id = r.job_id JOIN kneeflow.runs u ON u.id = j.run_id WHERE u.name = 'multi'"), 12)
        let perWorker = Dictionary(grouping: first, by: \.worker).mapValues(\.count).values.sorted(by: >)

        // 2. Cut w1's link while it is inside a job.
        try check(lab.kneeflow(on: db, ["enqueue", "--run", "cut", "--dataset", "site-n=" + cohort + "/site-n"],
                               environment: coordinatorEnv))
        var slowEnv = workerEnv("w1")
        slowEnv["KNEEFLOW_TEST_JOB_DELAY_MS"] = "20000" // inside the job for 20 s, then the real chain
        let w1 = try lab.startKneeflow(on: lab.host("w1"), ["work", "--run", "cut", "--max-jobs", "1", "--poll", "0.5",
                                                           "--lease", String(lease)],
                                       environment: slowEnv, log: dir + "/w1-2.log")
        var held: AttemptRow?
        XCTAssertTrue(try waitUntil(timeout: 60) {
            held = try attempts(local, run: "cut").first { $0.outcome == "running" }
            return held != nil
        }, "w1 never claimed a job: \(log("w1-2"))")
        let cutJob = try XCTUnwrap(held)
        try lab.setLink(lab.host("w1"), up: false)
        let cutAt = Date()
        let others = try ["w2", "w3"].map { name in
            try lab.startKneeflow(on: lab.host(name), ["work", "--run", "cut", "--exit-when-idle", "--poll", "0.5",
                                                      "--lease", String(lease)],
                                  environment: workerEnv(name), log: dir + "/\(name)-2.log")
        }
        // The others reclaim the cut-off job once its lease expires and complete it.
        XCTAssertTrue(try waitUntil(timeout: 90) {
            try attempts(local, run: "cut").contains { $0.jobId == cutJob.jobId && $0.outcome == "succeeded" }
        }, "the cut-off job was not completed by another host")
        let afterCut = try attempts(local, run: "cut").filter { $0.jobId == cutJob.jobId }
        let winner = try XCTUnwrap(afterCut.first { $0.outcome == "succeeded" })
        let lost = try XCTUnwrap(afterCut.first { $0.token == cutJob.token })
        XCTAssertEqual(lost.outcome, "lease_expired", "\(afterCut)")
        XCTAssertNotEqual(winner.worker, cutJob.worker)
        let reclaimSeconds = winner.startedAt.timeIntervalSince(cutAt)
        // The lease expires at most one lease after the cut; a reaper runs every min(5, lease) s.
        XCTAssertLessThanOrEqual(reclaimSeconds, lease + min(5, lease) + 3, "reclaim took \(reclaimSeconds) s")
        let metricsPath = try artifactPath(local, jobId: cutJob.jobId, key: "metrics", root: artifacts)
        let winnerMetrics = try Data(contentsOf: URL(fileURLWithPath: metricsPath))

        // The link comes back: w1 finishes its job and its completion is rejected.
        try lab.setLink(lab.host("w1"), up: true)
        XCTAssertTrue(waitUntil(timeout: 120) { !w1.isRunning }, "w1 did not finish after the link came back")
        XCTAssertTrue(log("w1-2").contains("1 lease lost"), "w1's completion was not rejected:\n\(log("w1-2"))")
        for (i, w) in others.enumerated() {
            XCTAssertTrue(waitUntil(timeout: 120) { !w.isRunning })
            XCTAssertEqual(w.terminationStatus, 0, log("w\(i + 2)-2"))
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: metricsPath)), winnerMetrics,
                       "the stale worker changed the winner's artifacts")
        XCTAssertEqual(try artifactPath(local, jobId: cutJob.jobId, key: "metrics", root: artifacts), metricsPath)
        let all = try attempts(local, run: "cut")
        let succeeded = all.filter { $0.outcome == "succeeded" }
        XCTAssertEqual(Set(succeeded.map(\.jobId)).count, 6)
        XCTAssertEqual(succeeded.count, 6, "duplicates: \(succeeded.count - 6)")
        print("multi-host: 12 jobs over 3 hosts (per worker \(perWorker)), then 6; cut w1 inside job \(cutJob.jobId); reclaimed after \(String(format: "%.1f", reclaimSeconds)) s (lease \(lease) s); stale completions rejected: 1; duplicates: \(succeeded.count - 6)")
    }

    // MARK: - helpers

    struct StepFailed: Error {}

    struct AttemptRow: CustomStringConvertible {
        let jobId: Int64, caseId: String, worker: String, outcome: String, token: String, startedAt: Date
        var description: String { "\(caseId)#\(jobId) \(worker) \(outcome)" }
    }

    func attempts(_ c: PostgresConnection, run: String) throws -> [AttemptRow] {
        try c.query("""
            SELECT a.job_id, j.case_id, a.worker_id, a.outcome, a.lease_token::text AS token,
                   extract(epoch FROM a.started_at)::float8 AS started
              FROM kneeflow.job_attempts a JOIN kneeflow.jobs j ON j.id = a.job_id
              JOIN kneeflow.runs r ON r.id = j.run_id
             WHERE r.name = \(run) ORDER BY a.id
            """).map {
            AttemptRow(jobId: try $0.decode(Int64.self, column: "job_id"), caseId: try $0.decode(String.self, column: "case_id"),
                       worker: try $0.decode(String.self, column: "worker_id"), outcome: try $0.decode(String.self, column: "outcome"),
                       token: try $0.decode(String.self, column: "token"),
                       startedAt: Date(timeIntervalSince1970: try $0.decode(Double.self, column: "started")))
        }
    }

    func count(_ c: PostgresConnection, _ sql: String) throws -> Int {
        try c.query(PostgresQuery(unsafeSQL: sql)).first!.decode(Int.self, column: "count")
    }

    func artifactPath(_ c: PostgresConnection, jobId: Int64, key: String, root: String) throws -> String {
        let json = try XCTUnwrap(c.query("SELECT artifacts::text AS a FROM kneeflow.results WHERE job_id = \(jobId)")
            .first?.decode(String.self, column: "a"))
        let map = try JSONDecoder().decode([String: String].self, from: Data(json.utf8))
        return root + "/" + (try XCTUnwrap(map[key], json))
    }

    func log(_ name: String) -> String {
        ((try? String(contentsOfFile: dir + "/\(name).log", encoding: .utf8)) ?? "").suffix(4000).description
    }

    @discardableResult
    func check(_ out: KneeflowBinary.Output, file: StaticString = #filePath, line: UInt = #line) throws -> KneeflowBinary.Output {
        XCTAssertEqual(out.status, 0, "stdout:\n\(out.stdout.suffix(2000))\nstderr:\n\(out.stderr.suffix(3000))", file: file, line: line)
        if out.status != 0 { throw StepFailed() }
        return out
    }
}
