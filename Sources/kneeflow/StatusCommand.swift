import ArgumentParser
import Common
import Foundation
import Queue

/// `kneeflow status`: progress per run and dataset, active workers, recent failures — read from
/// the monitoring views only.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Progress per run and dataset, active workers and recent failures (reads the views).")

    @Option(name: .customLong("run"), help: "Only this run.") var runName: String?
    @Flag(help: "Refresh until interrupted.") var watch = false
    @Option(help: "Refresh interval for --watch, seconds.") var interval: Double = 2
    @Option(help: "How many recent failures to show.") var failures: Int = 5

    func validate() throws {
        guard interval >= 0.2 else { throw ValidationError("--interval must be at least 0.2 s") }
        guard failures >= 0 else { throw ValidationError("--failures must be ≥ 0") }
    }

    func run() throws {
        // Reads the views only and never migrates, so a kneeflow_monitor login can run it.
        let (conn, _) = try QueueDatabase.open(migrate: false, logger: CLILogging.logger("kneeflow.status"))
        defer { conn.close() }
        let reader = StatusReader(connection: conn)
        repeat {
            let text = try Self.render(reader, run: runName, failures: failures)
            if watch { print("\u{1B}[H\u{1B}[2J", terminator: "") }
            print(text, terminator: "")
            fflush(nil)
            if watch { Thread.sleep(forTimeInterval: interval) }
        } while watch
    }

    static func render(_ reader: StatusReader, run: String?, failures: Int) throws -> String {
        var out = ""
        let progress = try reader.progress(run: run)
        if progress.isEmpty { out += run.map { "no jobs for run \(clip($0, 60))\n" } ?? "no runs yet\n" }
        var lastRun: String?
        for p in progress {
            if p.run != lastRun { out += "run \(clip(p.run, 60))\n"; lastRun = p.run }
            let width = 30
            let done = Int((Double(p.succeeded + p.failed + p.cancelled) / Double(max(p.total, 1)) * Double(width)).rounded(.down))
            let bar = String(repeating: "#", count: done) + String(repeating: ".", count: width - done)
            let eta = p.etaSeconds.map { "ETA \(duration($0))" } ?? (p.queued + p.running == 0 ? "done" : "ETA ?")
            out += "  \(clip(p.dataset, 24).padding(toLength: 24, withPad: " ", startingAt: 0)) [\(bar)] \(String(format: "%5.1f", p.percentDone))%  "
            out += "\(p.succeeded) ok, \(p.failed) failed, \(p.running) running, \(p.queued) queued"
            if p.cancelled > 0 { out += ", \(p.cancelled) cancelled" }
            out += " of \(p.total)  \(String(format: "%.1f", p.jobsPerMinute)) jobs/min  \(eta)\n"
        }
        let workers = try reader.activeWorkers()
        out += "active workers: \(workers.count)\n"
        for w in workers {
            out += "  \(clip(w.worker, 80))  heartbeat \(String(format: "%.1f", w.heartbeatAgeSeconds)) s ago  "
            out += "job \(w.currentJob.map(String.init) ?? "-")  \(w.succeeded) ok, \(w.failed) failed\n"
        }
        if failures > 0 {
            let f = try reader.recentFailures(run: run, limit: failures)
            if !f.isEmpty { out += "recent failures:\n" }
            for x in f {
                out += "  \(clip(x.dataset, 20))/\(clip(x.caseId, 30)) attempt \(x.attempt)/\(x.maxAttempts) \(x.outcome)\(x.kind.map { " [\($0)]" } ?? ""): \(clip(x.error ?? "", 120))\n"
            }
        }
        return out
    }

    /// Database text as one terminal-safe line (control characters escaped), at most `n`
    /// characters.
    static func clip(_ s: String, _ n: Int) -> String {
        let oneLine = TerminalText.escape(s)
        return oneLine.count <= n ? oneLine : String(oneLine.prefix(n - 1)) + "…"
    }

    static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        if t >= 3600 { return "\(t / 3600)h\(String(format: "%02d", (t % 3600) / 60))m" }
        if t >= 60 { return "\(t / 60)m\(String(format: "%02d", t % 60))s" }
        return "\(t)s"
    }
}
