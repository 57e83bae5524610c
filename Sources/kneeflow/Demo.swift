import Common
import Foundation
import Phantom
import Pipeline
import Postgres
import Queue

/// Helpers of `kneeflow demo`: steps, the cohort cache, worker processes with a progress bar.
enum Demo {
    static func err(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }

    static func step(_ text: String) { err("==> " + text) }

    static func report(_ o: RunSetup.Outcome) {
        err("    run \(TerminalText.escape(o.run.name)): \(o.inserted) new jobs (\(o.submitted - o.inserted) already there), \(o.problems.count) skipped")
        for p in o.problems.prefix(10) { err("    skipped: \(TerminalText.escape(p))") }
    }

    /// Writes the cohort unless the same spec was written there before (a stamp file records it).
    static func ensureCohort(_ spec: CohortSpec, at dir: String, key: String) throws {
        let stamp = dir + "/.kneeflow-cohort"
        if let old = try? String(contentsOfFile: stamp, encoding: .utf8), old == key {
            step("cohort already in \(dir)")
            return
        }
        step("synthesise cohort → \(dir)")
        let t0 = Date()
        let summary = try Cohort.write(spec, to: dir)
        for d in summary.datasets { err("    \(d.name): \(d.cases) cases, \(d.tears) tears") }
        err(String(format: "    %.1f s", Date().timeIntervalSince(t0)))
        try key.write(toFile: stamp, atomically: true, encoding: .utf8)
    }

    /// Runs `count` `kneeflow work --run RUN --exit-when-idle` processes (one BLAS thread each)
    /// and draws the run's progress from the monitoring views until they exit.
    /// - Throws: when a worker exits with a non-zero status.
    static func runWorkers(_ count: Int, run: String, url: String, artifacts: String, conn: PostgresConnection) throws {
        var env = ProcessInfo.processInfo.environment
        env["DATABASE_URL"] = url
        env["KNEEFLOW_ARTIFACTS"] = artifacts
        env["OPENBLAS_NUM_THREADS"] = "1"
        var procs: [Process] = []
        for _ in 0..<count {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            p.arguments = ["work", "--run", run, "--exit-when-idle"]
            p.environment = env
            p.standardOutput = FileHandle.nullDevice   // their one-line summaries; progress is drawn here
            p.standardInput = FileHandle.nullDevice
            try p.run()
            procs.append(p)
        }
        let status = StatusReader(connection: conn)
        let tty = isatty(2) != 0
        var last = ""
        while procs.contains(where: \.isRunning) {
            Thread.sleep(forTimeInterval: 1)
            if let line = try? progressLine(status, run: run), line != last {
                if tty { FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8)) } else { err("    " + line) }
                last = line
            }
        }
        if let line = try? progressLine(status, run: run) {
            if tty { FileHandle.standardError.write(Data(("\r\u{1B}[K" + line + "\n").utf8)) } else { err("    " + line) }
        }
        for p in procs {
            p.waitUntilExit()
            if p.terminationStatus != 0 {
                throw PipelineError(.stage, "a worker exited with status \(p.terminationStatus)")
            }
        }
    }

    /// One line on how a run's preprocessing was done (computed, or reused from the stage cache)
    /// and the count of reused jobs, for the demo's summary.
    static func workLine(_ reader: ResultsReader, run: String) throws -> Int {
        guard let r = try reader.run(named: run) else { return 0 }
        let work = ReportAssembler.workRecord(try reader.jobs(runId: r.id))
        err("    preprocessing: \(work.computed) jobs computed, \(work.reused) reused cached work")
        return work.reused
    }

    static func progressLine(_ status: StatusReader, run: String) throws -> String {
        let rows = try status.progress(run: run)
        let total = rows.reduce(0) { $0 + $1.total }
        let ok = rows.reduce(0) { $0 + $1.succeeded }, failed = rows.reduce(0) { $0 + $1.failed }
        let done = rows.reduce(0) { $0 + $1.succeeded + $1.failed + $1.cancelled }
        let rate = rows.reduce(0.0) { $0 + $1.jobsPerMinute }
        let width = 30
        let filled = total == 0 ? 0 : done * width / total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let eta = rate > 0 && done < total ? String(format: " ETA %.0f s", Double(total - done) / rate * 60) : ""
        return "[\(bar)] \(done)/\(total)  \(ok) ok, \(failed) failed  \(String(format: "%.0f", rate)) jobs/min\(eta)"
    }

    /// Keeps the demo from growing without bound: its training runs are reused by name, but each
    /// new model gets a new evaluation run (`demo-<variant>-eval-<model SHA>`), so the
    /// artifacts of earlier evaluation runs of the demo's variants are pruned
    /// (`ArtifactPruner.pruneRuns(prefixes:except:)`; their results stay in the database).
    static func pruneSuperseded(current: [String], variants: [String], reader: ResultsReader, artifacts: String) throws {
        let outcome = try ArtifactPruner(reader: reader, layout: ArtifactLayout(root: artifacts))
            .pruneRuns(prefixes: variants.map { "demo-\($0)-eval-" }, except: current)
        if outcome.total.bytes > 0 {
            step(String(format: "pruned the artifacts of %d earlier evaluation runs: %.1f MB freed", outcome.removed.count, Double(outcome.total.bytes) / 1e6))
        }
    }
}
