import Common
import Foundation
import Queue

/// Retention for the artifact store (`kneeflow prune`).
///
/// Why: at a million volumes, artifacts nobody will read again are what fills a shared store
/// (the demo's home grew to 16 GB). Two things can go:
/// - **a run's artifacts** (`pruneRuns`): its whole `runs/<run>/` tree. The database keeps the
///   run, its jobs and results (probabilities, metrics), so `report` still renders (without the
///   gallery's images); `train --from-run` on it then fails naming the missing artifact. A run
///   with queued or running jobs is refused: its workers are writing there.
/// - **orphans** (`pruneOrphans`): attempt directories no result published (a failed or
///   abandoned attempt whose worker died before removing it, a stale worker's), in runs with no
///   queued or running job (an unfinished job's attempt is unpublished while it runs), and the
///   directories of runs the database no longer has. The artifact root must belong to one
///   database: a directory of another database's run looks like an unknown run.
///
/// Everything is removed through `ArtifactTree.remove` (no symlink followed, nothing outside the
/// root); the bytes freed are the removed regular files' sizes.
public struct ArtifactPruner {
    /// One directory removed (or left, with why).
    public struct Entry: Sendable, Equatable {
        /// Relative to the artifact root.
        public let path: String
        public let removal: ArtifactTree.Removal
        public let note: String
    }

    public struct Outcome: Sendable, Equatable {
        public var removed: [Entry] = []
        /// Runs left alone, with why.
        public var skipped: [String] = []
        public init() {}
        public var total: ArtifactTree.Removal { removed.reduce(ArtifactTree.Removal()) { $0 + $1.removal } }
    }

    public let reader: ResultsReader
    public let layout: ArtifactLayout

    public init(reader: ResultsReader, layout: ArtifactLayout) { self.reader = reader; self.layout = layout }

    /// Removes the artifacts of the named runs; all are checked before anything is removed.
    /// - Throws: `PipelineError(.input)` for an unknown run or one with queued or running jobs
    ///   (nothing removed then); `CommonError` when the tree cannot be removed.
    public func pruneRuns(_ names: [String]) throws -> Outcome {
        let runs = try reader.runsWithPending()
        var chosen: [ResultsReader.RunPending] = []
        for name in names {
            guard let run = runs.first(where: { $0.name == name }) else {
                throw PipelineError(.input, "no run named \"\(TerminalText.escape(String(name.prefix(80))))\"")
            }
            guard run.pending == 0 else {
                throw PipelineError(.input, "run \"\(TerminalText.escape(String(name.prefix(80))))\" has \(run.pending) queued or running jobs; cancel it or let it finish before pruning (nothing removed)")
            }
            chosen.append(run)
        }
        var outcome = Outcome()
        for run in chosen {
            let dir = Self.runsDirectory + "/" + ArtifactLayout.component(run.name)
            outcome.removed.append(Entry(path: dir, removal: try ArtifactTree.remove(dir, root: layout.root), note: "run \(run.name)"))
        }
        return outcome
    }

    /// Removes the artifacts of every run whose name starts with one of `prefixes`, except the
    /// runs named in `keep` and runs with queued or running jobs (left, not refused). The demo
    /// prunes its superseded evaluation runs this way, so running it again does not grow the store.
    public func pruneRuns(prefixes: [String], except keep: [String]) throws -> Outcome {
        let names = try reader.runsWithPending().filter { r in
            r.pending == 0 && !keep.contains(r.name) && prefixes.contains { r.name.hasPrefix($0) }
        }.map(\.name)
        return names.isEmpty ? Outcome() : try pruneRuns(names)
    }

    /// Removes orphan attempt directories and the directories of runs the database does not know
    /// (see the type's documentation).
    /// - Throws: `CommonError` when the tree cannot be listed or removed; `PostgresError`.
    public func pruneOrphans() throws -> Outcome {
        let runs = try reader.runsWithPending()
        var byComponent: [String: ResultsReader.RunPending] = [:]
        for r in runs { byComponent[ArtifactLayout.component(r.name)] = r }
        var outcome = Outcome()
        for entry in try ArtifactTree.entries(Self.runsDirectory, root: layout.root) where entry.isDirectory {
            let runDir = Self.runsDirectory + "/" + entry.name
            guard let run = byComponent[entry.name] else {
                outcome.removed.append(Entry(path: runDir, removal: try ArtifactTree.remove(runDir, root: layout.root),
                                             note: "no run of the database writes here"))
                continue
            }
            guard run.pending == 0 else {
                outcome.skipped.append("run \(run.name): \(run.pending) queued or running jobs")
                continue
            }
            let published = try reader.publishedDirectories(runId: run.id)
            for dataset in try ArtifactTree.entries(runDir, root: layout.root) where dataset.isDirectory {
                let datasetDir = runDir + "/" + dataset.name
                for job in try ArtifactTree.entries(datasetDir, root: layout.root) where job.isDirectory {
                    let jobDir = datasetDir + "/" + job.name
                    for attempt in try ArtifactTree.entries(jobDir, root: layout.root)
                    where attempt.isDirectory && attempt.name.hasPrefix(ArtifactLayout.attemptPrefix) {
                        let path = jobDir + "/" + attempt.name
                        if published.contains(path) { continue }
                        outcome.removed.append(Entry(path: path, removal: try ArtifactTree.remove(path, root: layout.root),
                                                     note: "attempt not published (run \(run.name))"))
                    }
                }
            }
        }
        return outcome
    }

    /// Where runs' artifact trees live under the root.
    static let runsDirectory = "runs"
}
