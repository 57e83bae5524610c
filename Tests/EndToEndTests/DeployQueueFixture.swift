import Foundation
import Postgres
import TestSupport
import XCTest

/// A queue in a known state for the metrics and autoscaling tests, made the way users make it:
/// `kneeflow enqueue` and `kneeflow work` (the test handler), plus one worker that holds a job
/// mid-run, made with the queue's own SQL functions (claim, fail) as a worker process would.
///
/// Run `done` (dataset `d`): ok-1, ok-2, ok-3 succeed; permanent-1 fails at once; transient-1
/// fails all 3 attempts (2 retries, then failed) — every error text is of class `other`.
/// Run `pending` (dataset `p`): p-1…p-4 queued; worker `deploy-test-worker` on host `host-a`
/// claims two, keeps one running and fails the other permanently with an `input: …` error.
/// Run `timed` (dataset `t`): t-1, t-2 completed by that worker with chain-style stage timings
/// (`stages_ms`: nmf 100 and 300 ms, read 10 and 30 ms).
struct DeployQueueFixture {
    let url: String
    let dir: String

    static let workerId = "deploy-test-worker"
    static let host = "host-a"

    /// The unfinished jobs the fixture leaves (run `pending`: 2 queued + 1 running).
    static let unfinished = 3

    static func make() throws -> DeployQueueFixture {
        try KneeflowBinary.require()
        let url = try TestDatabase.shared.makeDatabase()
        let dir = try Deploy.tempDir("kf-deploy")
        let f = DeployQueueFixture(url: url, dir: dir)
        try f.seed()
        return f
    }

    func kf(_ args: [String]) throws -> KneeflowBinary.Output {
        try KneeflowBinary.run(args, environment: ["DATABASE_URL": url, "KNEEFLOW_LOG_LEVEL": "error",
                                                   "KNEEFLOW_ARTIFACTS": dir + "/artifacts"], cwd: dir)
    }

    private func manifest(_ name: String, cases: [String]) throws -> String {
        try FileManager.default.createDirectory(atPath: dir + "/in", withIntermediateDirectories: true)
        var lines = ["case,path,label"]
        for c in cases {
            try Data(c.utf8).write(to: URL(fileURLWithPath: dir + "/in/\(c).npy"))
            lines.append("\(c),in/\(c).npy,0")
        }
        let path = dir + "/\(name).csv"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func seed() throws {
        try #"{"handler": "test"}"#.write(toFile: dir + "/test.json", atomically: true, encoding: .utf8)
        let done = try manifest("done", cases: ["ok-1", "ok-2", "ok-3", "permanent-1", "transient-1"])
        let e1 = try kf(["enqueue", "--run", "done", "--config", "test.json", "--dataset", "d=\(done)"])
        XCTAssertEqual(e1.status, 0, e1.stderr)
        // --retry-base 0: the transient job's retries are due at once, so the worker goes idle.
        let w = try kf(["work", "--exit-when-idle", "--run", "done", "--retry-base", "0"])
        XCTAssertEqual(w.status, 0, w.stderr)
        XCTAssertTrue(w.stdout.contains("3 succeeded, 2 failed"), w.stdout)

        let pending = try manifest("pending", cases: ["p-1", "p-2", "p-3", "p-4"])
        let e2 = try kf(["enqueue", "--run", "pending", "--config", "test.json", "--dataset", "p=\(pending)"])
        XCTAssertEqual(e2.status, 0, e2.stderr)

        let conn = try PostgresConnection(url)
        defer { conn.close() }
        try conn.execute("INSERT INTO kneeflow.workers (id, host, pid, version) VALUES (\(Self.workerId), \(Self.host), 1, 'test')")
        let runId = try XCTUnwrap(conn.query("SELECT id FROM kneeflow.runs WHERE name = 'pending'").first?.decode(Int64.self, column: "id"))
        let claimed = Array(try conn.query("SELECT id, lease_token::text AS token FROM kneeflow.claim(\(Self.workerId), 600.0, 2, \(runId))"))
        XCTAssertEqual(claimed.count, 2)
        let failId = try claimed[1].decode(Int64.self, column: "id")
        let token = try claimed[1].decode(String.self, column: "token")
        try conn.execute("SELECT kneeflow.fail(\(failId), \(token)::uuid, 'input: missing file in/p-x.npy', NULL::double precision)")

        let timed = try manifest("timed", cases: ["t-1", "t-2"])
        let e3 = try kf(["enqueue", "--run", "timed", "--config", "test.json", "--dataset", "t=\(timed)"])
        XCTAssertEqual(e3.status, 0, e3.stderr)
        let timedId = try XCTUnwrap(conn.query("SELECT id FROM kneeflow.runs WHERE name = 'timed'").first?.decode(Int64.self, column: "id"))
        let jobs = Array(try conn.query("SELECT id, case_id, lease_token::text AS token FROM kneeflow.claim(\(Self.workerId), 600.0, 2, \(timedId))"))
        XCTAssertEqual(jobs.count, 2)
        for j in jobs {
            let scale = try j.decode(String.self, column: "case_id") == "t-1" ? 1.0 : 3.0
            let metrics = "{\"stages_ms\": {\"nmf\": \(100 * scale), \"read\": \(10 * scale)}}"
            let ok = try conn.query("SELECT kneeflow.complete(\(try j.decode(Int64.self, column: "id")), \(try j.decode(String.self, column: "token"))::uuid, 0.5::double precision, \(metrics)::jsonb, '{}'::jsonb) AS ok")
            XCTAssertEqual(try ok.first?.decode(Bool.self, column: "ok"), true)
        }
    }

    /// One count from the jobs table itself (not through a view).
    func jobs(run: String, state: String) throws -> Int {
        let conn = try PostgresConnection(url)
        defer { conn.close() }
        return try conn.query("""
            SELECT count(*) AS n FROM kneeflow.jobs j JOIN kneeflow.runs r ON r.id = j.run_id
             WHERE r.name = \(run) AND j.state = \(state)
            """).first?.decode(Int.self, column: "n") ?? -1
    }

    func remove() { try? FileManager.default.removeItem(atPath: dir) }
}
