import Common
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Postgres
import TestSupport
import XCTest

/// Debian's prometheus-postgres-exporter with ops/prometheus/queries.yaml and the flags of
/// ops/prometheus/prometheus-postgres-exporter.default, logged in as a monitor-only role, on a
/// free loopback port: every KneeFlow metric it serves equals the database's own answer.
final class PrometheusExporterTests: XCTestCase {
    var fixture: DeployQueueFixture!
    var exporter: Process?

    override func setUpWithError() throws {
        _ = try Deploy.tool("/usr/bin/prometheus-postgres-exporter")
        fixture = try DeployQueueFixture.make()
    }

    override func tearDown() {
        if let p = exporter, p.isRunning { p.terminate(); p.waitUntilExit() }
        fixture?.remove()
    }

    /// The ARGS line of the shipped /etc/default file, with the query file taken from the repository.
    func shippedArgs() throws -> [String] {
        let text = try String(contentsOfFile: Deploy.ops("prometheus/prometheus-postgres-exporter.default"), encoding: .utf8)
        let line = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix("ARGS=\"") })
        let args = line.dropFirst("ARGS=\"".count).dropLast().split(separator: " ").map(String.init)
        XCTAssertTrue(args.contains("--extend.query-path=/etc/prometheus/kneeflow-queries.yaml"), "\(args)")
        return args.map { $0.hasPrefix("--extend.query-path=") ? "--extend.query-path=" + Deploy.ops("prometheus/queries.yaml") : $0 }
    }

    func scrape(port: Int) -> String? {
        let box = Locked<String?>(nil)
        let done = DispatchSemaphore(value: 0)
        let task = URLSession.shared.dataTask(with: URL(string: "http://127.0.0.1:\(port)/metrics")!) { data, response, _ in
            if let data, (response as? HTTPURLResponse)?.statusCode == 200 { box.withLock { $0 = String(decoding: data, as: UTF8.self) } }
            done.signal()
        }
        task.resume()
        _ = done.wait(timeout: .now() + 30)
        return box.withLock { $0 }
    }

    /// Samples by name and labels (`name{a="x",b="y"}`, labels sorted, the exporter's `server`
    /// label dropped).
    func samples(_ text: String) -> [String: Double] {
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            let series = line[..<space]
            guard let brace = series.firstIndex(of: "{") else { out[String(series)] = value; continue }
            let labels = series[series.index(after: brace)..<series.index(before: series.endIndex)]
                .split(separator: ",").filter { !$0.hasPrefix("server=") }.sorted()
            out[String(series[..<brace]) + (labels.isEmpty ? "" : "{" + labels.joined(separator: ",") + "}")] = value
        }
        return out
    }

    func testEveryMetricMatchesTheDatabase() throws {
        let monitorURL = try Deploy.monitorLogin(databaseURL: fixture.url)
        // The exporter's login reads the views and nothing else.
        let probe = try PostgresConnection(monitorURL)
        XCTAssertThrowsError(try probe.query("SELECT count(*) FROM kneeflow.jobs")) {
            XCTAssertEqual(($0 as? PostgresError)?.sqlState, "42501", "\($0)")
        }
        probe.close()

        let port = try Deploy.freePort()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus-postgres-exporter")
        p.arguments = try shippedArgs() + ["--web.listen-address=127.0.0.1:\(port)"]
        p.environment = ["DATA_SOURCE_NAME": monitorURL, "PATH": "/usr/bin:/bin"]
        let log = fixture.dir + "/exporter.log"
        FileManager.default.createFile(atPath: log, contents: nil)
        let logHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        defer { try? logHandle.close() }
        p.standardOutput = logHandle
        p.standardError = logHandle
        try p.run()
        exporter = p
        var text: String?
        XCTAssertTrue(waitUntil(timeout: 60) { text = scrape(port: port); return text != nil || !p.isRunning },
                      "exporter did not answer: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        let m = samples(try XCTUnwrap(text, (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""))
        XCTAssertEqual(m["pg_exporter_last_scrape_error"], 0, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
        let loadErrors = m.filter { $0.key.hasPrefix("pg_exporter_user_queries_load_error{filename=\"\(Deploy.ops("prometheus/queries.yaml"))\"") }
        XCTAssertEqual(Array(loadErrors.values), [0], "the query file loads: \(m.keys.sorted())")
        try checkKnownAnswers(m)
        try checkAgainstViews(m)
        try checkDashboardUsesServedMetrics(m)
    }

    /// Every kneeflow_* metric the Grafana dashboard queries is one the exporter serves.
    func checkDashboardUsesServedMetrics(_ m: [String: Double]) throws {
        let json = try String(contentsOfFile: Deploy.ops("grafana/kneeflow-queue.json"), encoding: .utf8)
        let served = Set(m.keys.map { String($0.prefix { $0 != "{" }) })
        let regex = try NSRegularExpression(pattern: "kneeflow_[a-z0-9_]+")
        let used = Set(regex.matches(in: json, range: NSRange(json.startIndex..., in: json)).map { String(json[Range($0.range, in: json)!]) })
        XCTAssertGreaterThanOrEqual(used.count, 10, "\(used)")
        XCTAssertEqual(used.subtracting(served), [], "dashboard queries metrics nobody serves")
    }

    /// The fixture's state, counted from the jobs table itself.
    func checkKnownAnswers(_ m: [String: Double]) throws {
        for (run, ds, state, n) in [("done", "d", "succeeded", 3), ("done", "d", "failed", 2), ("done", "d", "queued", 0),
                                    ("pending", "p", "queued", 2), ("pending", "p", "running", 1), ("pending", "p", "failed", 1)] {
            XCTAssertEqual(try fixture.jobs(run: run, state: state), n, "\(run) \(state)")
            XCTAssertEqual(m["kneeflow_jobs_count{dataset=\"\(ds)\",run=\"\(run)\",state=\"\(state)\"}"], Double(n), "\(run) \(state)")
        }
        XCTAssertEqual(m["kneeflow_queue_queued{run=\"pending\"}"], 2)
        XCTAssertEqual(m["kneeflow_queue_ready{run=\"pending\"}"], 2)
        XCTAssertEqual(m["kneeflow_queue_running{run=\"pending\"}"], 1)
        XCTAssertEqual(m["kneeflow_queue_expired_leases{run=\"pending\"}"], 0)
        XCTAssertNil(m["kneeflow_queue_queued{run=\"done\"}"], "a finished run has no unfinished jobs")
        XCTAssertEqual(m["kneeflow_failures_attempts_total{outcome=\"retry\",reason=\"other\",run=\"done\"}"], 2)
        XCTAssertEqual(m["kneeflow_failures_attempts_total{outcome=\"failed\",reason=\"other\",run=\"done\"}"], 2)
        XCTAssertEqual(m["kneeflow_failures_attempts_total{outcome=\"failed\",reason=\"input\",run=\"pending\"}"], 1)
        XCTAssertEqual(m["kneeflow_workers_active"], 1)
        XCTAssertEqual(m["kneeflow_workers_busy"], 1)
        XCTAssertEqual(m["kneeflow_workers_running_jobs"], 1)
        XCTAssertEqual(m["kneeflow_host_workers{host=\"\(DeployQueueFixture.host)\"}"], 1)
        XCTAssertEqual(m["kneeflow_progress_percent_done{dataset=\"d\",run=\"done\"}"], 100)
        XCTAssertEqual(m["kneeflow_progress_percent_done{dataset=\"p\",run=\"pending\"}"], 25)
        XCTAssertGreaterThan(try XCTUnwrap(m["kneeflow_progress_jobs_per_minute{dataset=\"d\",run=\"done\"}"]), 0)
        // Stage timings of run `timed`: nmf 100 and 300 ms, read 10 and 30 ms.
        for (stage, lo, hi) in [("nmf", 100.0, 300.0), ("read", 10.0, 30.0)] {
            let l = "{run=\"timed\",stage=\"\(stage)\"}"
            XCTAssertEqual(m["kneeflow_stage_jobs" + l], 2)
            XCTAssertEqual(m["kneeflow_stage_mean_ms" + l], (lo + hi) / 2)
            XCTAssertEqual(m["kneeflow_stage_p50_ms" + l], (lo + hi) / 2)
            XCTAssertEqual(try XCTUnwrap(m["kneeflow_stage_p95_ms" + l]), lo + 0.95 * (hi - lo), accuracy: 1e-9)
            XCTAssertEqual(m["kneeflow_stage_max_ms" + l], hi)
        }
        XCTAssertEqual(m.keys.filter { $0.hasPrefix("kneeflow_stage_jobs") }.count, 2, "the test handler's results have no stage timings")
    }

    /// Every row of the views the queries read has its metric, with the view's value (time-driven
    /// values bounded by a read after the scrape).
    func checkAgainstViews(_ m: [String: Double]) throws {
        let conn = try PostgresConnection(fixture.url)
        defer { conn.close() }
        func num(_ r: PostgresRow, _ c: String) throws -> Double { Double(try XCTUnwrap(r.text(column: c))) ?? .nan }
        var rows = 0
        for r in try conn.query("SELECT * FROM kneeflow.progress") {
            let run = try r.decode(String.self, column: "run"), ds = try r.decode(String.self, column: "dataset")
            for s in JobState.allCases {
                XCTAssertEqual(m["kneeflow_jobs_count{dataset=\"\(ds)\",run=\"\(run)\",state=\"\(s.rawValue)\"}"], try num(r, s.rawValue), "\(run) \(s)")
            }
            rows += 1
        }
        XCTAssertEqual(rows, 3)
        for r in try conn.query("SELECT * FROM kneeflow.queue_depth") {
            let run = try r.decode(String.self, column: "run")
            for c in ["queued", "ready", "running", "expired_leases"] {
                XCTAssertEqual(m["kneeflow_queue_\(c){run=\"\(run)\"}"], try num(r, c), "\(run) \(c)")
            }
            let age = try XCTUnwrap(m["kneeflow_queue_oldest_running_seconds{run=\"\(run)\"}"])
            let later = try num(r, "oldest_running_s")
            XCTAssertTrue(age > 0 && age <= later, "\(age) then \(later)")
        }
        var failures = 0
        for r in try conn.query("SELECT * FROM kneeflow.failure_reasons") {
            let key = "kneeflow_failures_attempts_total{outcome=\"\(try r.decode(String.self, column: "outcome"))\",reason=\"\(try r.decode(String.self, column: "reason"))\",run=\"\(try r.decode(String.self, column: "run"))\"}"
            XCTAssertEqual(m[key], try num(r, "attempts"), key)
            failures += 1
        }
        XCTAssertEqual(failures, 3)
        for r in try conn.query("SELECT * FROM kneeflow.stage_timings") {
            let l = "{run=\"\(try r.decode(String.self, column: "run"))\",stage=\"\(try r.decode(String.self, column: "stage"))\"}"
            for c in ["jobs", "mean_ms", "p50_ms", "p95_ms", "max_ms"] {
                XCTAssertEqual(try XCTUnwrap(m["kneeflow_stage_\(c)" + l], l), try num(r, c), accuracy: 1e-9, "\(c) \(l)")
            }
        }
        XCTAssertEqual(m.keys.filter { $0.hasPrefix("kneeflow_failures_attempts_total") }.count, failures)
    }
}
