import ArgumentParser
import Common
import Foundation
import Phantom
import Pipeline
import Postgres
import Queue

/// `kneeflow bench e2e`: jobs per minute of the whole product — the embedded PostgreSQL in a
/// temporary home, the demo's synthetic volumes enqueued as runs, real `kneeflow work` processes
/// (one thread each, OPENBLAS_NUM_THREADS=1) running the chain (read → NMF → slice →
/// segmentation → classify with --model → write → complete) — for each worker count in turn.
/// Each worker count gets its own freshly synthesised dataset, so no measurement can reuse
/// another's inputs or outputs. JSON on stdout; a summary on stderr.
struct BenchE2ECommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "e2e",
        abstract: "End-to-end throughput: real database, real workers, the whole chain; jobs/min per worker count.")

    @Option(help: "Jobs per measurement (volumes synthesised per worker count).") var jobs: Int = 200
    @Option(help: "Worker counts to measure, comma-separated, in order.") var workers: String = "1,2"
    @Option(help: "In-plane size of the synthetic volumes (the demo's: 256).") var size: Int = 256
    @Option(help: "Slice-count range LO:HI (the demo's: 20:40).") var slices: String = "20:40"
    @Option(help: "Cohort seed.") var seed: UInt64 = 7
    @Option(help: "Classifier model (.safetensors) to classify with; default: no classify stage.") var model: String?
    @Option(help: "Jobs per claim statement of each worker (`kneeflow work --batch`).") var batch: Int = 1
    @Option(help: "Home of the embedded cluster, cohort and artifacts (default: a new temporary directory, removed at the end).")
    var home: String?

    var workerCounts: [Int] { workers.split(separator: ",").compactMap { Int($0) } }

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be ≥ 1") }
        guard !workerCounts.isEmpty, workerCounts.allSatisfy({ (1...64).contains($0) }) else { throw ValidationError("--workers like 1,2") }
        guard (1...1000).contains(batch) else { throw ValidationError("--batch must be 1…1000") }
        guard size >= 32 else { throw ValidationError("--size must be ≥ 32") }
    }

    func run() throws {
        let parts = slices.split(separator: ":").compactMap { Int($0) }
        guard parts.count == 2, parts[0] >= 1, parts[1] >= parts[0] else { throw ValidationError("--slices expects LO:HI") }
        let ownHome = home == nil
        let root = try home.map(ArtifactRoot.absolute) ?? Self.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        // The bench owns its database: never a DATABASE_URL server, always the embedded one here.
        unsetenv("DATABASE_URL")
        setenv("KNEEFLOW_HOME", root, 1)
        let artifacts = root + "/artifacts"
        setenv("KNEEFLOW_ARTIFACTS", artifacts, 1)
        let log = CLILogging.logger("kneeflow.bench")
        defer {
            if let cluster = try? DatabaseLocator.embeddedCluster() { try? cluster.stop(immediate: true) }
            if ownHome { try? FileManager.default.removeItem(atPath: root) }
        }
        let (conn, url) = try QueueDatabase.open(logger: log)
        defer { conn.close() }

        let counts = workerCounts
        let spec = CohortSpec(datasets: counts.enumerated().map { CohortSpec.Dataset(name: "w\($0.element)-\($0.offset)", count: jobs) },
                              seed: seed, size: size, slices: parts[0]...parts[1])
        let cohort = root + "/cohort"
        Demo.step("synthesise \(counts.count) × \(jobs) volumes (\(size)×\(size), \(slices) slices) → \(cohort)")
        _ = try Cohort.write(spec, to: cohort)
        // No stage cache: the benchmark measures the chain's work, never its reuse.
        var config = PipelineConfig()
        config.cache = false
        let configJSON = try config.canonicalJSON()
        let coordinator = Coordinator(connection: conn, logger: log)
        let reader = ResultsReader(connection: conn)
        var measurements: [[String: Any]] = []
        for (index, count) in counts.enumerated() {
            let dataset = spec.datasets[index].name
            let runName = "bench-e2e-\(dataset)"
            let setup = try RunSetup.enqueue(coordinator: coordinator, runName: runName, configJSON: configJSON,
                                             codeVersion: KneeFlowVersion.string, modelPath: model,
                                             datasets: [(dataset, cohort + "/" + dataset)])
            guard setup.inserted == jobs else {
                throw PipelineError(.stage, "enqueued \(setup.inserted) of \(jobs) jobs: \(setup.problems.joined(separator: "; "))")
            }
            Demo.step("\(count) worker\(count == 1 ? "" : "s") on \(jobs) jobs (run \(runName))")
            let wall = try Self.runWorkers(count, run: runName, url: url, artifacts: artifacts, batch: batch)
            let records = try reader.jobs(runId: setup.run.id)
            let m = try Self.measure(records, workers: count, wall: wall)
            Demo.err(String(format: "    %.0f jobs/min (%.0f per worker), busy span %.1f s, wall %.1f s",
                            m["jobs_per_min"] as! Double, m["jobs_per_min_per_worker"] as! Double,
                            m["busy_seconds"] as! Double, wall))
            measurements.append(m)
        }
        var report: [String: Any] = [
            "jobs": jobs, "size": size, "slices": slices, "seed": seed, "batch": batch, "classify": model != nil,
            "cores": ProcessInfo.processInfo.activeProcessorCount, "measurements": measurements,
            "load_average_at_end": Self.loadAverage(), "home": root, "home_kept": !ownHome,
        ]
        if let one = measurements.first(where: { $0["workers"] as? Int == 1 })?["jobs_per_min"] as? Double,
           let two = measurements.first(where: { $0["workers"] as? Int == 2 })?["jobs_per_min"] as? Double, one > 0 {
            report["ratio_2_vs_1"] = two / one
        }
        let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    /// Starts `count` `kneeflow work --run RUN --exit-when-idle --threads 1` processes at once and
    /// waits for all; returns the wall seconds from the first start to the last exit.
    /// - Throws: when a worker exits with a non-zero status.
    static func runWorkers(_ count: Int, run: String, url: String, artifacts: String, batch: Int) throws -> Double {
        var env = ProcessInfo.processInfo.environment
        env["DATABASE_URL"] = url
        env["KNEEFLOW_ARTIFACTS"] = artifacts
        env["OPENBLAS_NUM_THREADS"] = "1"
        let t0 = Date()
        var procs: [Process] = []
        for _ in 0..<count {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            p.arguments = ["work", "--run", run, "--exit-when-idle", "--threads", "1", "--batch", String(batch)]
            p.environment = env
            p.standardOutput = FileHandle.nullDevice
            p.standardInput = FileHandle.nullDevice
            try p.run()
            procs.append(p)
        }
        for p in procs { p.waitUntilExit() }
        let wall = Date().timeIntervalSince(t0)
        for p in procs where p.terminationStatus != 0 {
            throw PipelineError(.stage, "a worker exited with status \(p.terminationStatus)")
        }
        return wall
    }

    /// Jobs/min over the busy span (first claim to last completion, from the database's own
    /// started/finished times) and over the wall time (process start to exit), per worker and
    /// per core used, and each stage's share of the summed `results.metrics.stages_ms`.
    /// - Throws: when a job did not succeed.
    static func measure(_ records: [JobRecord], workers: Int, wall: Double) throws -> [String: Any] {
        let failed = records.filter { $0.state != .succeeded }
        guard failed.isEmpty else {
            throw PipelineError(.stage, "\(failed.count) job(s) did not succeed, e.g. \(failed[0].caseId): \(failed[0].lastError ?? failed[0].state.rawValue)")
        }
        let starts = records.compactMap(\.startedAt), ends = records.compactMap(\.finishedAt)
        guard let first = starts.min(), let last = ends.max() else { throw PipelineError(.stage, "jobs without start/finish times") }
        let busy = max(last.timeIntervalSince(first), 1e-3)
        var stageSums: [String: Double] = [:]
        for r in records {
            guard let text = r.metricsJSON, let obj = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                  let stages = obj["stages_ms"] as? [String: Any] else { continue }
            for (k, v) in stages { if let x = (v as? NSNumber)?.doubleValue { stageSums[k, default: 0] += x } }
        }
        let inStages = stageSums.values.reduce(0, +)
        let n = Double(records.count)
        let jpm = n / busy * 60
        let cores = min(workers, ProcessInfo.processInfo.activeProcessorCount)
        return [
            "workers": workers, "jobs": records.count, "busy_seconds": busy, "wall_seconds": wall,
            "jobs_per_min": jpm, "jobs_per_min_wall": n / wall * 60,
            "jobs_per_min_per_worker": jpm / Double(workers), "jobs_per_min_per_core": jpm / Double(cores),
            "stage_ms_mean": stageSums.mapValues { $0 / n },
            "stage_share": stageSums.mapValues { inStages > 0 ? $0 / inStages : 0 },
            // Worker-seconds of the busy span spent outside any timed stage (claim, complete, idle, start-up).
            "outside_stages_share": max(0, 1 - inStages / 1000 / (busy * Double(workers))),
        ]
    }

    static func temporaryDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() + "/kneeflow-bench-e2e-XXXXXX").utf8CString)
        guard let p = mkdtemp(&template) else { throw PipelineError(.stage, "cannot create a temporary directory") }
        return String(cString: p)
    }

    static func loadAverage() -> [Double] {
        var l = [Double](repeating: 0, count: 3)
        return getloadavg(&l, 3) == 3 ? l : []
    }
}
