import ArgumentParser
import Common
import Foundation
import Pipeline
import Queue

/// `kneeflow prune`: retention for the artifact store (`ArtifactPruner`).
struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove runs' artifacts, orphan attempt directories and unused stage-cache entries; print the bytes freed.",
        discussion: """
            --run NAME removes that run's artifact tree (runs/<run>/); the run, its jobs and results stay in \
            the database (report still renders, without images; train --from-run on it fails). A run with \
            queued or running jobs is refused and nothing is removed. --orphans removes attempt directories \
            no result published, in runs without queued or running jobs, and directories of runs the database \
            does not have. --cache removes stage-cache entries (cache/) that no job's attempt directory links \
            any more and unfinished cache entries (cache/tmp/) older than an hour; --orphans leaves the cache \
            alone (an unlinked entry is what a new run over the same inputs reuses). Bytes freed count only \
            files whose last hard link goes: a file another run or the cache still links frees nothing. \
            Nothing outside the artifact root is touched and no symlink is followed.
            """)

    @Option(name: .customLong("run"), help: "A run whose artifacts to remove (repeatable).") var runNames: [String] = []
    @Flag(help: "Remove unpublished attempt directories and directories of unknown runs.") var orphans = false
    @Flag(help: "Remove stage-cache entries no job links any more and stale unfinished ones.") var cache = false
    @Option(help: "Artifact root (default: $KNEEFLOW_ARTIFACTS or .kneeflow/artifacts).") var artifacts: String?

    func validate() throws {
        if runNames.isEmpty && !orphans && !cache { throw ValidationError("give --run NAME (repeatable), --orphans and/or --cache") }
    }

    func run() throws {
        let log = CLILogging.logger("kneeflow.prune")
        let (conn, _) = try QueueDatabase.open(logger: log)
        defer { conn.close() }
        let pruner = ArtifactPruner(reader: ResultsReader(connection: conn), layout: ArtifactLayout(root: ArtifactRoot.resolve(artifacts)))
        var outcome = ArtifactPruner.Outcome()
        if !runNames.isEmpty { outcome.removed += try pruner.pruneRuns(runNames).removed }
        if orphans {
            let o = try pruner.pruneOrphans()
            outcome.removed += o.removed; outcome.skipped += o.skipped
        }
        if cache { outcome.removed += try pruner.pruneCache().removed }
        for e in outcome.removed where e.removal.files + e.removal.directories + e.removal.others > 0 {
            let shared = e.removal.shared > 0 ? " (\(e.removal.shared) still linked elsewhere, 0 bytes freed for those)" : ""
            print(TerminalText.escape("removed \(e.path) (\(e.note)): \(e.removal.files) files, \(e.removal.bytes) bytes\(shared)"))
        }
        for s in outcome.skipped { print(TerminalText.escape("left \(s)")) }
        let t = outcome.total
        print(String(format: "freed %lld bytes (%.1f MB) in %d files, %d directories", t.bytes, Double(t.bytes) / 1e6, t.files, t.directories))
    }
}
