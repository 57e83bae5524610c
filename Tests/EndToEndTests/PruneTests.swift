import Common
import Foundation
import Pipeline
import Postgres
import Queue
import TestSupport
import XCTest

/// `kneeflow prune` against a real database and real workers: it refuses a run with queued jobs
/// (removing nothing), frees exactly the bytes of the run it removes, removes unpublished
/// attempt directories and unknown runs' directories but never a published one, an unfinished
/// run's, or anything a symlink points to; `--cache` removes only stage-cache entries no run
/// links (and stale unfinished ones), each byte count exact (a hard-linked file frees nothing
/// until its last link goes).
final class PruneTests: XCTestCase {
    var dir = ""
    var env: [String: String] = [:]
    var conn: PostgresConnection!

    override func setUpWithError() throws {
        guard KneeflowBinary.path() != nil else {
            if ProcessInfo.processInfo.environment["KNEEFLOW_REQUIRE_DB"] == "1" { XCTFail("kneeflow binary not found (KNEEFLOW_BIN)") }
            throw XCTSkip("kneeflow binary not found (set KNEEFLOW_BIN)")
        }
        let url = try TestDatabase.shared.makeDatabase()
        conn = try PostgresConnection(url)
        try Migrator().migrate(conn)
        dir = NSTemporaryDirectory() + "kf-prune-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/artifacts", withIntermediateDirectories: true)
        env = ["DATABASE_URL": url, "KNEEFLOW_ARTIFACTS": dir + "/artifacts", "KNEEFLOW_HOME": dir + "/home", "OPENBLAS_NUM_THREADS": "1"]
        let synth = try KneeflowBinary.run(["synth", "--out", dir + "/cohort", "--datasets", "d:2", "--size", "64",
                                            "--slices", "12:12", "--seed", "5"], environment: env)
        XCTAssertEqual(synth.status, 0, synth.stderr)
    }

    override func tearDownWithError() throws {
        conn?.close()
        if !dir.isEmpty { try? FileManager.default.removeItem(atPath: dir) }
    }

    func enqueue(_ run: String) throws {
        let s = try RunSetup.enqueue(coordinator: Coordinator(connection: conn), runName: run, configJSON: try PipelineConfig().canonicalJSON(),
                                     codeVersion: "test", modelPath: nil, datasets: [(name: "d", path: dir + "/cohort/d")])
        XCTAssertEqual(s.inserted, 2, s.problems.joined(separator: "\n"))
    }

    /// Bytes of the regular files under a directory (not following links).
    func bytes(under path: String) -> Int64 {
        guard let e = FileManager.default.enumerator(atPath: path) else { return 0 }
        var total: Int64 = 0
        while let rel = e.nextObject() as? String {
            let a = try? FileManager.default.attributesOfItem(atPath: path + "/" + rel)
            if a?[.type] as? FileAttributeType == .typeRegular { total += (a?[.size] as? NSNumber)?.int64Value ?? 0 }
        }
        return total
    }

    /// Bytes a removal of the directory frees: the regular files under it with one hard link
    /// (a file the stage cache or another run still links frees nothing).
    func freed(under path: String) -> Int64 {
        guard let e = FileManager.default.enumerator(atPath: path) else { return 0 }
        var total: Int64 = 0
        while let rel = e.nextObject() as? String {
            var st = stat()
            if lstat(path + "/" + rel, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_nlink == 1 { total += Int64(st.st_size) }
        }
        return total
    }

    func write(_ count: Int, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(repeating: 7, count: count).write(to: URL(fileURLWithPath: path))
    }

    func testPruneRefusesUnfinishedRunsAndFreesExactlyWhatItRemoves() throws {
        let root = dir + "/artifacts"
        try enqueue("keep"); try enqueue("gone")
        let work = try KneeflowBinary.run(["work", "--exit-when-idle", "--poll", "0.2"], environment: env)
        XCTAssertEqual(work.status, 0, work.stderr)
        try enqueue("busy")   // queued, nobody works it
        let reader = ResultsReader(connection: conn)
        let published = try ["keep", "gone"].flatMap { try reader.publishedDirectories(runId: try XCTUnwrap(reader.run(named: $0)).id) }
        XCTAssertEqual(published.count, 4)

        // An in-flight attempt of the busy run, a stale attempt of a finished run (holding a
        // symlink to a file outside the root), an unknown run's tree, a symlinked "run".
        let outside = dir + "/outside.bin"
        try write(100, to: outside)
        try write(300, to: root + "/runs/busy/d/0000/attempt-inflight/base.npy.gz")
        let caseDir = (root + "/" + published.first { $0.hasPrefix("runs/keep/") }!) as NSString
        let stale = caseDir.deletingLastPathComponent + "/attempt-stale"
        try write(1000, to: stale + "/base.npy.gz")
        try FileManager.default.createSymbolicLink(atPath: stale + "/link", withDestinationPath: outside)
        try write(500, to: root + "/runs/ghost/x/y/attempt-z/metrics.json")
        try FileManager.default.createDirectory(atPath: dir + "/elsewhere/d", withIntermediateDirectories: true)
        try write(50, to: dir + "/elsewhere/d/keepme")
        try FileManager.default.createSymbolicLink(atPath: root + "/runs/linked", withDestinationPath: dir + "/elsewhere")

        // Refused: the busy run has queued jobs; nothing is removed, even of the other run named.
        let goneBytes = bytes(under: root + "/runs/gone")
        XCTAssertGreaterThan(goneBytes, 0)
        let refused = try KneeflowBinary.run(["prune", "--run", "gone", "--run", "busy"], environment: env)
        XCTAssertEqual(refused.status, 1, refused.stdout)
        XCTAssertTrue(refused.stderr.contains("queued or running"), refused.stderr)
        XCTAssertEqual(bytes(under: root + "/runs/gone"), goneBytes)

        // One run: exactly the bytes it alone held freed (the two runs share their images with
        // the stage cache: one computed them, the other reused them); the other runs untouched.
        let keepBytes = bytes(under: root + "/runs/keep")
        let goneFreed = freed(under: root + "/runs/gone")
        XCTAssertGreaterThan(goneFreed, 0, "its metrics.json files are its own")
        XCTAssertLessThan(goneFreed, goneBytes, "its images are hard links shared with the cache and the other run")
        let pruned = try KneeflowBinary.run(["prune", "--run", "gone"], environment: env)
        XCTAssertEqual(pruned.status, 0, pruned.stderr)
        XCTAssertTrue(pruned.stdout.contains("freed \(goneFreed) bytes"), pruned.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/runs/gone"))
        XCTAssertEqual(bytes(under: root + "/runs/keep"), keepBytes)
        // The run's results stay: its report still renders (without images).
        let report = try KneeflowBinary.run(["report", "--run", "gone", "--out", dir + "/report"], environment: env)
        XCTAssertEqual(report.status, 0, report.stderr)

        // Orphans: the stale attempt (1000 bytes; the link itself, not its target) and the unknown
        // run (500 bytes); not the published attempts, not the busy run's in-flight attempt, not
        // what the symlinked "run" points at.
        let orphans = try KneeflowBinary.run(["prune", "--orphans"], environment: env)
        XCTAssertEqual(orphans.status, 0, orphans.stderr)
        XCTAssertTrue(orphans.stdout.contains("freed 1500 bytes"), orphans.stdout)
        XCTAssertTrue(orphans.stdout.contains("left run busy"), orphans.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: stale))
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/runs/ghost"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/runs/busy/d/0000/attempt-inflight/base.npy.gz"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: outside))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/elsewhere/d/keepme"))
        for p in published where p.hasPrefix("runs/keep/") { XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/" + p + "/metrics.json"), p) }
        XCTAssertEqual(bytes(under: root + "/runs/keep"), keepBytes - 1000)

        // The cache while a run still links its entries: only a stale unfinished entry and a
        // planted symlink (itself, not its target) go; a fresh unfinished entry stays.
        let entries = try FileManager.default.contentsOfDirectory(atPath: root + "/cache").filter { $0 != "tmp" }
            .flatMap { shard in try FileManager.default.contentsOfDirectory(atPath: root + "/cache/" + shard).map { "cache/\(shard)/\($0)" } }
        XCTAssertEqual(entries.count, 2, "one entry per case, shared by both runs")
        try write(200, to: root + "/cache/tmp/old/base.npy.gz")
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -7200)], ofItemAtPath: root + "/cache/tmp/old")
        try write(70, to: root + "/cache/tmp/new/base.npy.gz")
        try FileManager.default.createDirectory(atPath: root + "/cache/zz", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root + "/cache/zz/planted", withDestinationPath: outside)
        let linkedCache = try KneeflowBinary.run(["prune", "--cache"], environment: env)
        XCTAssertEqual(linkedCache.status, 0, linkedCache.stderr)
        XCTAssertTrue(linkedCache.stdout.contains("freed 200 bytes"), linkedCache.stdout)
        for e in entries { XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/" + e + "/entry.json"), e) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/cache/tmp/old"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/cache/tmp/new/base.npy.gz"))
        XCTAssertNil(try? FileManager.default.destinationOfSymbolicLink(atPath: root + "/cache/zz/planted"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: outside))

        // By prefix (what the demo does with its superseded evaluation runs): the kept run and
        // the unfinished one are left.
        let pruner = ArtifactPruner(reader: reader, layout: ArtifactLayout(root: root))
        XCTAssertEqual(try pruner.pruneRuns(prefixes: ["k", "b"], except: ["keep"]).removed, [])
        let keepFreed = freed(under: root + "/runs/keep")
        XCTAssertLessThan(keepFreed, keepBytes - 1000, "its images are still linked by the cache")
        let byPrefix = try pruner.pruneRuns(prefixes: ["k", "b"], except: [])
        XCTAssertEqual(byPrefix.removed.map(\.path), ["runs/keep"])
        XCTAssertEqual(byPrefix.total.bytes, keepFreed)
        XCTAssertGreaterThan(byPrefix.total.shared, 0)

        // No run links the entries now: prune --cache frees exactly their bytes (entry.json and
        // the images whose last link they are), and still not the fresh unfinished entry.
        let cacheBytes = bytes(under: root + "/cache") - 70
        XCTAssertEqual(freed(under: root + "/cache"), cacheBytes + 70)
        let unlinkedCache = try KneeflowBinary.run(["prune", "--cache"], environment: env)
        XCTAssertEqual(unlinkedCache.status, 0, unlinkedCache.stderr)
        XCTAssertTrue(unlinkedCache.stdout.contains("freed \(cacheBytes) bytes"), unlinkedCache.stdout)
        for e in entries { XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/" + e), e) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/cache/tmp/new/base.npy.gz"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/runs/busy/d/0000/attempt-inflight/base.npy.gz"))

        // A path through a symlink is refused by the confined removal itself.
        XCTAssertThrowsError(try ArtifactTree.remove("runs/linked/d", root: root)) { XCTAssertTrue("\($0)".contains("symlink"), "\($0)") }
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/elsewhere/d/keepme"))
    }
}
