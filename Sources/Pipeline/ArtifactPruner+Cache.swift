import Common
import Foundation

extension ArtifactPruner {
    /// Removes stage-cache entries no job's attempt directory links any more (every file of the
    /// entry has one hard link: the entry's own) and temporary directories under `cache/tmp/`
    /// older than `staleAfter` seconds (a worker that died while publishing; a live worker's
    /// temporary directory exists for milliseconds).
    ///
    /// Why not part of `pruneOrphans`: an unlinked entry is not garbage — it is exactly what a
    /// new evaluation over the same inputs reuses after the runs that computed it were pruned.
    /// Removing it is a choice (`kneeflow prune --cache`).
    ///
    /// A worker reusing an entry at the same moment loses nothing: if the entry vanishes between
    /// its lookup and its links, it recomputes (and publishes the entry again).
    /// - Throws: `CommonError` when the tree cannot be listed or removed.
    public func pruneCache(staleAfter: TimeInterval = 3600, now: Date = Date()) throws -> Outcome {
        var outcome = Outcome()
        let root = layout.root
        for shard in try ArtifactTree.entries(StageCache.directory, root: root) {
            let shardDir = StageCache.directory + "/" + shard.name
            if shardDir == StageCache.tmpDirectory {
                guard shard.isDirectory else { continue }
                for tmp in try ArtifactTree.entries(shardDir, root: root) {
                    let path = shardDir + "/" + tmp.name
                    guard let info = try ArtifactTree.entryInfo(path, root: root), now.timeIntervalSince1970 - info.modified > staleAfter else { continue }
                    outcome.removed.append(Entry(path: path, removal: try ArtifactTree.remove(path, root: root),
                                                 note: "unfinished cache entry, older than \(Int(staleAfter)) s"))
                }
                continue
            }
            guard shard.isDirectory else { continue }
            for entry in try ArtifactTree.entries(shardDir, root: root) {
                let path = shardDir + "/" + entry.name
                if entry.isDirectory {
                    guard try unlinked(path) else { continue }
                    outcome.removed.append(Entry(path: path, removal: try ArtifactTree.remove(path, root: root),
                                                 note: "cache entry no job links"))
                } else {
                    // Not an entry (a planted symlink, a stray file): removed as itself, never followed.
                    outcome.removed.append(Entry(path: path, removal: try ArtifactTree.removeEntryItself(path, root: root),
                                                 note: "not a cache entry"))
                }
            }
        }
        return outcome
    }

    /// Whether every regular file directly in `dir` has a single link (sub-directories and other
    /// entries do not keep an entry).
    private func unlinked(_ dir: String) throws -> Bool {
        for e in try ArtifactTree.entries(dir, root: layout.root) where !e.isDirectory {
            if let info = try ArtifactTree.entryInfo(dir + "/" + e.name, root: layout.root), info.isRegularFile, info.links > 1 { return false }
        }
        return true
    }
}
