import Common
import Foundation
import Imaging
import Phantom
import Queue
import TestSupport
import XCTest
@testable import Pipeline

/// The stage cache's key and store, through the chain handler itself: what changes the key and
/// what does not; reuse; every kind of damage recomputed, recorded and replaced; a lost publish
/// race; symlinks planted in the cache never followed.
final class StageCacheTests: XCTestCase {
    let code = CodeIdentity(executableSHA256: String(repeating: "e", count: 64), openBLAS: "OpenBLAS test", blasThreads: { 4 })
    var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "kf-stagecache-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/in", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/art", withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    func key(_ config: PipelineConfig, dataset: String = "site-a", input: String = "aa", code: CodeIdentity? = nil) throws -> String {
        try StageCacheKey(config: config, dataset: dataset, inputSHA256: input, code: code ?? self.code).hex()
    }

    /// The kernel path names the clone level the CPU's dispatcher picks, the vendor class and
    /// the C library, and is stable within a process.
    func testKernelPathNamesTheCloneLevelVendorAndLibc() {
        let parts = BLAS.kernelPath.split(separator: " ").map(String.init)
        XCTAssertEqual(parts.count, 3, BLAS.kernelPath)
        XCTAssertTrue(["x86-64-v4", "x86-64-v3", "x86-64"].contains(parts[0]), BLAS.kernelPath)
        XCTAssertTrue(["amd", "other"].contains(parts[1]), BLAS.kernelPath)
        XCTAssertTrue(parts[2].hasPrefix("glibc-2."), BLAS.kernelPath)
        XCTAssertEqual(BLAS.kernelPath, CodeIdentity.current.kernelPath)
    }

    func testKeyChangesWithEveryKeyedInputAndOnlyThose() throws {
        let base = PipelineConfig()
        let k = try key(base)
        XCTAssertEqual(try key(base), k, "deterministic")
        var changed: [String: PipelineConfig] = [:]
        var c = base; c.preprocess.nmf.components = 8; changed["nmf components"] = c
        c = base; c.preprocess.segmentation.keepStart += 1; changed["kept clusters"] = c
        c = base; c.artifactFormat = .full; changed["artifact format"] = c
        c = base; c.keepPerDataset["site-a"] = ClusterRange(start: 1, end: 3); changed["this dataset's range"] = c
        c = base; c.negativeSamples = .shift; changed["negative samples"] = c
        c = base; c.plane = .coronal; changed["plane"] = c
        c = base; c.sliceAxis = 2; changed["slice axis"] = c
        c = base; c.writePreview = false; changed["preview"] = c
        for (what, config) in changed { XCTAssertNotEqual(try key(config), k, what) }
        XCTAssertNotEqual(try key(base, input: "ab"), k, "input SHA-256")
        XCTAssertNotEqual(try key(base, code: CodeIdentity(executableSHA256: "f", openBLAS: code.openBLAS)), k, "executable")
        XCTAssertNotEqual(try key(base, code: CodeIdentity(executableSHA256: code.executableSHA256, openBLAS: "other")), k, "OpenBLAS")
        XCTAssertNotEqual(try key(base, code: CodeIdentity(executableSHA256: code.executableSHA256, openBLAS: code.openBLAS,
                                                           kernelPath: "x86-64 other glibc-0")), k, "kernel path")

        var same: [String: PipelineConfig] = [:]
        c = base; c.variant = .raw; same["variant raw"] = c
        c = base; c.variant = .nmf; same["variant nmf"] = c
        c = base; c.cache = false; same["cache flag"] = c
        c = base; c.writeCAM = false; same["CAM"] = c
        c = base; c.deadlineSeconds = 9; same["deadline"] = c
        c = base; c.memoryBudgetBytes = 1 << 20; same["memory budget"] = c
        c = base; c.keepPerDataset["site-b"] = ClusterRange(start: 1, end: 3); same["another dataset's range"] = c
        for (what, config) in same { XCTAssertEqual(try key(config), k, what) }
        // The model and the run's name are not inputs of the key at all (StageCacheKey.init).

        // Thread count: only for the solvers whose rounding depends on it.
        let threads2 = CodeIdentity(executableSHA256: code.executableSHA256, openBLAS: code.openBLAS, blasThreads: { 2 })
        XCTAssertEqual(try key(base, code: threads2), k, "hals does not depend on the thread count")
        c = base; c.preprocess.nmf.solver = .multiplicative
        XCTAssertNotEqual(try key(c, code: threads2), try key(c), "threaded sgemm solvers key on the thread count")
    }

    // MARK: - the store, through the handler

    func handler(_ config: PipelineConfig = PipelineConfig()) throws -> ChainHandler {
        try ChainHandler(run: RunInfo(id: 1, name: "r", configJSON: try config.canonicalJSON(), configSHA256: "x", codeVersion: "t",
                                      modelPath: nil, modelSHA256: nil), artifactRoot: dir + "/art")
    }

    func input() throws -> String {
        let path = dir + "/in/0001.npy"
        if !FileManager.default.fileExists(atPath: path) {
            let c = try KneePhantom.generate(caseSeed: 3, technique: .train, torn: true, size: 48, slices: 10...10)
            try Data(NpyWriter.encode(float32: c.volume.map(Float.init), shape: [c.slices, c.height, c.width]))
                .write(to: URL(fileURLWithPath: path))
        }
        return path
    }

    var token = 0
    /// One job (a fresh attempt each call): its metrics and artifacts.
    func run(_ h: ChainHandler) throws -> (JobMetrics, [String: String]) {
        token += 1
        let job = ClaimedJob(id: Int64(token), runId: 1, dataset: "d", caseId: "0001", inputPath: try input(), inputSHA256: nil,
                             label: nil, attempt: 1, maxAttempts: 1, leaseToken: "t\(token)", inputRoot: dir + "/in")
        let out = try h.handle(job, run: RunInfo(id: 1, name: "r", configJSON: "", configSHA256: "", codeVersion: "", modelPath: nil, modelSHA256: nil))
        return (try JSONDecoder().decode(JobMetrics.self, from: Data(out.metricsJSON.utf8)),
                try JSONDecoder().decode([String: String].self, from: Data(out.artifactsJSON.utf8)))
    }

    func entryPath(_ m: JobMetrics, _ file: String = "") -> String { dir + "/art/" + StageCache.entryDirectory(m.cache!.key) + file }

    /// Recomputed with a note naming the damage, the entry replaced (the next job reuses it).
    func assertRecomputes(_ h: ChainHandler, because why: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let (m, a) = try run(h)
        XCTAssertEqual(m.cache?.reused, false, file: file, line: line)
        let note = m.cache?.notes?.joined() ?? ""
        XCTAssertTrue(note.contains("damaged") && note.contains(why) && note.contains("recomputed"), note, file: file, line: line)
        XCTAssertNotNil(m.stagesMs["nmf"], file: file, line: line)
        for (k, rel) in a where k != "dir" {
            var s = stat()
            XCTAssertEqual(lstat(dir + "/art/" + rel, &s), 0, file: file, line: line)
            XCTAssertEqual(s.st_mode & S_IFMT, S_IFREG, "\(k) is a regular file", file: file, line: line)
        }
        let (again, _) = try run(h)
        XCTAssertEqual(again.cache?.reused, true, "the entry was replaced", file: file, line: line)
    }

    func testReuseThenEveryDamageIsRecomputedRecordedAndReplaced() throws {
        let h = try handler()
        let (first, firstArtifacts) = try run(h)
        XCTAssertEqual(first.cache?.reused, false)
        XCTAssertEqual(first.cache?.entry, StageCache.entryDirectory(first.cache!.key))
        let (second, secondArtifacts) = try run(h)
        XCTAssertEqual(second.cache?.reused, true)
        XCTAssertNil(second.stagesMs["nmf"]); XCTAssertNil(second.stagesMs["slice"]); XCTAssertNil(second.stagesMs["segmentation"])
        XCTAssertNotNil(second.stagesMs["cache"])
        XCTAssertEqual(second.preprocess, first.preprocess)
        XCTAssertEqual(second.artifactQuantisation, first.artifactQuantisation)
        XCTAssertEqual(second.aclRetention, first.aclRetention)
        for k in ["base", "segmented", "mask", "preview"] {
            XCTAssertEqual(FileManager.default.contents(atPath: dir + "/art/" + secondArtifacts[k]!),
                           FileManager.default.contents(atPath: dir + "/art/" + firstArtifacts[k]!), k)
        }

        // A truncated file, a flipped byte, a missing or junk entry.json.
        let base = entryPath(first, "/base.npy.gz")
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: base)); try handle.truncate(atOffset: 100); try handle.close()
        try assertRecomputes(h, because: "bytes")
        var seg = try XCTUnwrap(FileManager.default.contents(atPath: entryPath(first, "/segmented.npy.gz")))
        seg[seg.count / 2] ^= 0x40
        try seg.write(to: URL(fileURLWithPath: entryPath(first, "/segmented.npy.gz")))
        try assertRecomputes(h, because: "SHA-256")
        try FileManager.default.removeItem(atPath: entryPath(first, "/entry.json"))
        try assertRecomputes(h, because: "entry.json")
        try Data("{\"not\": json".utf8).write(to: URL(fileURLWithPath: entryPath(first, "/entry.json")))
        try assertRecomputes(h, because: "does not parse")

        // A symlink planted for a file: never linked or read (the target is a file outside the root).
        let outside = dir + "/outside.bin"
        try Data(repeating: 1, count: 64).write(to: URL(fileURLWithPath: outside))
        try FileManager.default.removeItem(atPath: entryPath(first, "/mask.npy.gz"))
        try FileManager.default.createSymbolicLink(atPath: entryPath(first, "/mask.npy.gz"), withDestinationPath: outside)
        try assertRecomputes(h, because: "not a regular file")
        // The entry directory itself a symlink to a copy outside the root: refused, replaced by a real one.
        let copy = dir + "/outside-entry"
        try FileManager.default.copyItem(atPath: entryPath(first), toPath: copy)
        try FileManager.default.removeItem(atPath: entryPath(first))
        try FileManager.default.createSymbolicLink(atPath: entryPath(first), withDestinationPath: copy)
        try assertRecomputes(h, because: "not a directory")
        XCTAssertNil(try? FileManager.default.destinationOfSymbolicLink(atPath: entryPath(first)))
        XCTAssertEqual(FileManager.default.contents(atPath: outside), Data(repeating: 1, count: 64))
        XCTAssertTrue(FileManager.default.fileExists(atPath: copy + "/entry.json"), "nothing outside the root removed")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/art/cache/tmp"), [])
    }

    func testALostPublishRaceKeepsTheWinnerAndLeavesNoTemporaryDirectory() throws {
        let (first, artifacts) = try run(try handler())
        let key = StageCacheKey(config: PipelineConfig(), dataset: "d", inputSHA256: try SHA256.file(at: try input()).hex)
        XCTAssertEqual(try key.hex(), first.cache?.key)
        let winner = try Data(contentsOf: URL(fileURLWithPath: entryPath(first, "/entry.json")))
        var writer = ArtifactWriter(layout: ArtifactLayout(root: dir + "/art"), directory: artifacts["dir"]!, durable: false, format: .compact)
        for a in StageCache.artifacts(preview: true) { writer.adopt(a, quantisation: first.artifactQuantisation?[a.key]) }
        let cache = StageCache(layout: ArtifactLayout(root: dir + "/art"))
        let (entry, notes) = try cache.publish(key, hex: try key.hex(), writer: writer, metrics: first.preprocess, replacing: false)
        XCTAssertNil(entry)
        XCTAssertEqual(notes, ["another worker published the entry first"])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: entryPath(first, "/entry.json"))), winner)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/art/cache/tmp"), [])
    }

    /// The cache on another file system (hard links impossible: EXDEV): files are copied both
    /// ways, the job says so, and reuse still works.
    func testAnotherFileSystemGetsCopiesAndSaysSo() throws {
        let mnt = dir + "/art/cache"
        try FileManager.default.createDirectory(atPath: mnt, withIntermediateDirectories: true)
        guard TmpfsMount.mount(mnt, size: "16m") else { throw XCTSkip("cannot mount a tmpfs here (not root?)") }
        defer { TmpfsMount.unmount(mnt) }
        let h = try handler()
        let (first, _) = try run(h)
        XCTAssertEqual(first.cache?.reused, false)
        XCTAssertNotNil(first.cache?.entry)
        XCTAssertTrue(first.cache?.notes?.contains { $0.contains("copied, not hard-linked") } == true, "\(first.cache?.notes ?? [])")
        let (second, artifacts) = try run(h)
        XCTAssertEqual(second.cache?.reused, true)
        XCTAssertEqual(second.cache?.notes?.filter { $0.contains("copied, not hard-linked") }.count, 4, "\(second.cache?.notes ?? [])")
        XCTAssertEqual(second.preprocess, first.preprocess)
        var s = stat()
        XCTAssertEqual(lstat(dir + "/art/" + artifacts["base"]!, &s), 0)
        XCTAssertEqual(s.st_nlink, 1, "a copy in the attempt directory")
    }

    func testNoCacheNeitherReadsNorPublishes() throws {
        var config = PipelineConfig(); config.cache = false
        let (m, _) = try run(try handler(config))
        XCTAssertEqual(m.cache?.disabled, true)
        XCTAssertEqual(m.cache?.reused, false)
        XCTAssertNil(m.cache?.entry)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/art/cache"))
        // With an entry present (published by a cached run), a --no-cache job still recomputes.
        let (cached, _) = try run(try handler())
        XCTAssertEqual(cached.cache?.key, m.cache?.key, "the flag is not part of the key")
        let (again, _) = try run(try handler(config))
        XCTAssertEqual(again.cache?.reused, false)
        XCTAssertNotNil(again.stagesMs["nmf"])
    }
}
