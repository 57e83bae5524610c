import ArgumentParser
import Foundation
import Queue

/// `kneeflow bench queue`: enqueue N no-op jobs, run W `kneeflow work` processes on them, print
/// JSON with enqueue rows/s and claim+complete jobs/s.
struct BenchQueueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Queue throughput: COPY enqueue rows/s and claim+complete jobs/s of no-op jobs (JSON).")

    @Option(help: "No-op jobs to enqueue.") var jobs: Int = 20_000
    @Option(help: "Worker processes (one claim loop each).") var workers: Int = 4
    @Option(help: "Jobs per claim statement.") var batch: Int = 1
    @Flag(help: "Keep the bench run in the database afterwards.") var keep = false

    func validate() throws {
        guard jobs >= 1, workers >= 1, workers <= 64, batch >= 1 else {
            throw ValidationError("--jobs ≥ 1, --workers 1…64, --batch ≥ 1")
        }
    }

    struct Report: Encodable {
        let jobs: Int, workers: Int, batch: Int
        let enqueue_seconds: Double, enqueue_rows_per_s: Double
        let work_wall_seconds: Double, wall_jobs_per_s: Double
        let db_window_seconds: Double, claim_complete_jobs_per_s: Double
        let succeeded: Int, attempts: Int
    }

    func run() throws {
        let log = CLILogging.logger("kneeflow.bench")
        let (conn, url) = try QueueDatabase.open(logger: log)
        defer { conn.close() }
        let bench = QueueBenchmark(connection: conn, logger: log)
        let prepared = try bench.prepare(jobs: jobs, codeVersion: KneeFlowVersion.string)
        let run = prepared.run, name = run.name, enqueueSeconds = prepared.enqueueSeconds

        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var env = ProcessInfo.processInfo.environment
        env["DATABASE_URL"] = url
        env["KNEEFLOW_LOG_LEVEL"] = env["KNEEFLOW_LOG_LEVEL"] ?? "warning"
        let t1 = Date()
        var procs: [Process] = []
        for _ in 0..<workers {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: exe)
            p.arguments = ["work", "--run", name, "--exit-when-idle", "--batch", String(batch), "--concurrency", "1"]
            p.environment = env
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            procs.append(p)
        }
        procs.forEach { $0.waitUntilExit() }
        let wall = Date().timeIntervalSince(t1)
        let bad = procs.filter { $0.terminationStatus != 0 }.count
        if bad > 0 { log.error("worker processes failed", metadata: ["count": "\(bad)"]) }

        let measured = try bench.throughput(runId: run.id)
        let ok = measured.succeeded, attempts = measured.attempts, window = measured.windowSeconds
        if !keep { try bench.remove(runId: run.id) }
        let report = Report(jobs: jobs, workers: workers, batch: batch,
                            enqueue_seconds: enqueueSeconds, enqueue_rows_per_s: Double(jobs) / max(enqueueSeconds, 1e-9),
                            work_wall_seconds: wall, wall_jobs_per_s: Double(ok) / max(wall, 1e-9),
                            db_window_seconds: window, claim_complete_jobs_per_s: Double(ok) / max(window, 1e-9),
                            succeeded: ok, attempts: attempts)
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted]
        print(String(decoding: try enc.encode(report), as: UTF8.self))
        if ok != jobs { throw ExitCode(1) }
    }
}
