import Common
import Foundation
import Pipeline
import Postgres
@testable import Queue
import TestSupport
import XCTest

/// Fenced artifacts against a real database and the real chain: a stale worker's late attempt
/// never touches the winner's files; a full artifact store (a small tmpfs) releases the job
/// without charging it, the worker pauses and resumes once there is room.
final class ArtifactFencingTests: XCTestCase {
    var dir = ""
    var env: [String: String] = [:]
    var conn: PostgresConnection!

    override func setUpWithError() throws {
        try KneeflowBinary.require()
        let url = try TestDatabase.shared.makeDatabase()
        conn = try PostgresConnection(url)
        try Migrator().migrate(conn)
        dir = NSTemporaryDirectory() + "kf-fence-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/artifacts", withIntermediateDirectories: true)
        env = ["DATABASE_URL": url, "KNEEFLOW_ARTIFACTS": dir + "/artifacts", "KNEEFLOW_HOME": dir + "/home",
               "OPENBLAS_NUM_THREADS": "1", "KNEEFLOW_LOG_LEVEL": "info"]
        let synth = try KneeflowBinary.run(["synth", "--out", dir + "/cohort", "--datasets", "d:1", "--size", "64",
                                            "--slices", "12:12", "--seed", "5"], environment: env)
        XCTAssertEqual(synth.status, 0, synth.stderr)
    }

    override func tearDownWithError() throws {
        conn?.close()
        if !dir.isEmpty { TmpfsMount.unmount(dir + "/artifacts"); try? FileManager.default.removeItem(atPath: dir) }
    }

    func claim(_ worker: String, lease: Double) throws -> ClaimedJob {
        try XCTUnwrap(conn.query(QueueSQL.claim(worker: worker, leaseSeconds: lease, limit: 1, runId: nil)).first.map(ClaimedJob.init(row:)))
    }

    func complete(_ job: ClaimedJob, _ output: JobOutput) throws -> Bool {
        try XCTUnwrap(conn.query(QueueSQL.complete(jobId: job.id, token: job.leaseToken, output: output)).first?.decode(Bool.self, column: "ok"))
    }

    func attemptDirs(_ caseDir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: caseDir)) ?? []).filter { $0.hasPrefix(ArtifactLayout.attemptPrefix) }
    }

    /// Worker A claims, is paused past its lease; B reclaims and completes. A then finishes its
    /// chain and tries to complete: rejected. B's metrics.json and result row are untouched and
    /// A's own attempt directory is removed.
    func testAStaleWorkersLateAttemptNeverTouchesTheWinnersArtifacts() throws {
        let root = dir + "/artifacts"
        let setup = try RunSetup.enqueue(coordinator: Coordinator(connection: conn), runName: "fence",
                                         configJSON: try PipelineConfig().canonicalJSON(), codeVersion: "test", modelPath: nil,
                                         datasets: [(name: "d", path: dir + "/cohort/d")])
        XCTAssertEqual(setup.inserted, 1, setup.problems.joined(separator: "\n"))
        let handler = try ChainHandler(run: setup.run, artifactRoot: root)
        let stale = try claim("stale", lease: 0.5)
        XCTAssertTrue(try waitUntil(timeout: 60) {
            try QueueTestInt.int(conn, "SELECT count(*) AS n FROM kneeflow.jobs WHERE lease_expires_at < now()") == 1
        })
        XCTAssertEqual(try QueueTestInt.int(conn, QueueSQL.reap, "reaped"), 1)
        let winner = try claim("winner", lease: 600)
        XCTAssertEqual(winner.id, stale.id)

        let won = try handler.handle(winner, run: setup.run)
        XCTAssertTrue(try complete(winner, won))
        let artifacts = try JSONDecoder().decode([String: String].self, from: Data(won.artifactsJSON.utf8))
        let winnerDir = try XCTUnwrap(artifacts[ArtifactLayout.directoryKey])
        XCTAssertTrue(winnerDir.hasSuffix("/attempt-" + winner.leaseToken), winnerDir)
        let metricsPath = root + "/" + winnerDir + "/metrics.json"
        let before = try Data(contentsOf: URL(fileURLWithPath: metricsPath))

        let late = try handler.handle(stale, run: setup.run)   // the paused worker wakes up and finishes
        XCTAssertFalse(try complete(stale, late), "the stale completion is rejected")
        handler.discardAttempt(stale, run: setup.run)

        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: metricsPath)), before, "the winner's metrics.json is untouched")
        let row = try XCTUnwrap(conn.query("SELECT artifacts::text AS a, metrics::text AS m FROM kneeflow.results").first)
        XCTAssertEqual(try JSONDecoder().decode([String: String].self, from: Data(try row.decode(String.self, column: "a").utf8))[ArtifactLayout.directoryKey], winnerDir)
        let caseDir = (root + "/" + winnerDir as NSString).deletingLastPathComponent
        XCTAssertEqual(attemptDirs(caseDir), ["attempt-" + winner.leaseToken], "the stale attempt's directory is removed")
    }

    /// ENOSPC on a 32 kB tmpfs: the job is released without charge (store_full), the worker logs
    /// "artifact store full: pausing N s" with a growing N, leaves no partial files, and once the
    /// store has room it completes the job with one charged attempt.
    func testAFullArtifactStorePausesTheWorkerWithoutChargingTheJob() throws {
        let root = dir + "/artifacts"
        guard TmpfsMount.mount(root, size: "32k") else { throw XCTSkip("cannot mount a tmpfs here (needs root; CI runs as root)") }
        let enq = try KneeflowBinary.run(["enqueue", "--run", "full", "--dataset", "d=" + dir + "/cohort/d"], environment: env)
        XCTAssertEqual(enq.status, 0, enq.stderr)
        let log = dir + "/worker.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let p = try KneeflowBinary.start(["work", "--run", "full", "--exit-when-idle", "--poll", "0.2", "--store-full-pause", "0.5"],
                                         environment: env, stdout: h, stderr: h)
        defer { if p.isRunning { p.terminate() } }
        func text() -> String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
        XCTAssertTrue(try waitUntil(timeout: 120) {
            try QueueTestInt.int(conn, "SELECT count(*) AS n FROM kneeflow.job_attempts WHERE error_kind = 'store_full'") >= 2
        }, text())
        XCTAssertEqual(try QueueTestInt.int(conn, "SELECT count(*) AS n FROM kneeflow.jobs WHERE attempts <= 1 AND state IN ('queued', 'running')"), 1,
                       "released without charging the attempt")
        XCTAssertTrue(text().contains("artifact store full: pausing 0.5 s"), text())
        XCTAssertTrue(text().contains("artifact store full: pausing 1 s"), "the pause grows:\n\(text())")
        XCTAssertTrue(TmpfsMount.resize(root, size: "64m"))
        XCTAssertTrue(waitUntil(timeout: 120) { !p.isRunning }, text())
        XCTAssertEqual(p.terminationStatus, 0, text())
        let job = try XCTUnwrap(conn.query("SELECT state, attempts FROM kneeflow.jobs").first)
        XCTAssertEqual(try job.decode(String.self, column: "state"), "succeeded", text())
        XCTAssertEqual(try job.decode(Int.self, column: "attempts"), 1)
        let artifacts = try XCTUnwrap(conn.query("SELECT artifacts::text AS a FROM kneeflow.results").first?.decode(String.self, column: "a"))
        let winnerDir = try XCTUnwrap(try JSONDecoder().decode([String: String].self, from: Data(artifacts.utf8))[ArtifactLayout.directoryKey])
        let caseDir = (root + "/" + winnerDir as NSString).deletingLastPathComponent
        XCTAssertEqual(attemptDirs(caseDir).count, 1, "the failed attempts' partial files were removed")
    }
}

enum QueueTestInt {
    static func int(_ conn: PostgresConnection, _ q: PostgresQuery, _ column: String = "n") throws -> Int {
        try XCTUnwrap(conn.query(q).first).decode(Int.self, column: column)
    }
}
