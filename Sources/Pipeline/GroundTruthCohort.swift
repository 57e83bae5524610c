import Dispatch
import Foundation
import Imaging
import Queue

/// Runs the imaging chain in-process on the cases of a synthetic cohort (`kneeflow synth`'s
/// layout) and measures it against the ground truth the phantom writes beside each volume:
/// ```
/// <cohort>/<dataset>/sagittal/<case>.npy    the volume (the chain's only input)
/// <cohort>/<dataset>/acl_mask/<case>.npy    uint8 slices×H×W, 1 = ACL
/// <cohort>/<dataset>/body_mask/<case>.npy   uint8 H×W, 1 = tissue on any slice, 0 = air
/// <cohort>/<dataset>-acl.csv                case,label (1 = torn)
/// ```
public enum GroundTruthCohort {
    /// One case's files and label.
    public struct Case: Sendable, Equatable {
        public var dataset: String
        public var caseId: String
        public var torn: Bool
        public var volumePath: String
        public var aclMaskPath: String
        public var bodyMaskPath: String
    }

    /// The datasets of a cohort: every `<name>-acl.csv` in `cohort`, sorted by name.
    /// - Throws: `PipelineError(.input)` when the directory is unreadable or holds no labels file.
    public static func datasets(cohort: String) throws -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: cohort) else {
            throw PipelineError(.input, "cohort \(cohort) is not a readable directory")
        }
        let found = names.filter { $0.hasSuffix("-acl.csv") }.map { String($0.dropLast("-acl.csv".count)) }.sorted()
        guard !found.isEmpty else { throw PipelineError(.input, "cohort \(cohort) has no <dataset>-acl.csv") }
        return found
    }

    /// The labelled cases of one dataset in case order, the first `limit` of them (all when nil).
    /// - Throws: `PipelineError(.input)` naming the first missing or unusable file (labels file,
    ///   volume, ACL mask, body mask) or an unlabelled case.
    public static func cases(cohort: String, dataset: String, limit: Int? = nil) throws -> [Case] {
        let root = URL(fileURLWithPath: cohort).appendingPathComponent(dataset).path
        let labels = root + "-acl.csv"
        guard FileManager.default.fileExists(atPath: labels) else {
            throw PipelineError(.input, "dataset \(dataset): missing labels file \(labels)")
        }
        let listing: CaseSource.Listing
        do { listing = try CaseSource.load(dataset: dataset, path: root) } catch {
            throw PipelineError(.input, "\(error)")
        }
        if let problem = listing.problems.first { throw PipelineError(.input, problem) }
        var out: [Case] = []
        for job in listing.jobs.prefix(limit ?? Int.max) {
            guard let label = job.label else {
                throw PipelineError(.input, "dataset \(dataset): case \(job.caseId) has no label in \(labels)")
            }
            let c = Case(dataset: dataset, caseId: job.caseId, torn: label == 1, volumePath: job.inputPath,
                         aclMaskPath: root + "/acl_mask/" + job.caseId + ".npy",
                         bodyMaskPath: root + "/body_mask/" + job.caseId + ".npy")
            for path in [c.aclMaskPath, c.bodyMaskPath] where !FileManager.default.fileExists(atPath: path) {
                throw PipelineError(.input, "missing ground truth \(path)")
            }
            out.append(c)
        }
        guard !out.isEmpty else { throw PipelineError(.input, "dataset \(dataset): no cases in \(root)/sagittal") }
        return out
    }

    /// Reads one case, runs `Preprocessor.run` on its volume and measures it.
    /// - Throws: `PipelineError(.input)` naming the file that cannot be read, or the chain's error.
    public static func measure(_ c: Case, config: PipelineConfig) throws -> CaseMeasures {
        let readOptions = config.readOptions
        func read(_ path: String) throws -> Volume {
            do { return try VolumeReader.read(path: path, options: readOptions).volume } catch {
                throw PipelineError(.input, "\(path): \(error)")
            }
        }
        let volume = try read(c.volumePath)
        let acl = try read(c.aclMaskPath), body = try read(c.bodyMaskPath)
        let result: PreprocessResult
        do { result = try Preprocessor.run(volume, options: config.preprocessOptions(dataset: c.dataset)) } catch {
            throw PipelineError(.stage, "\(c.volumePath): \(error)", stage: "preprocess")
        }
        do { return try GroundTruthMeasures.measure(volume: volume, result: result, aclMask: acl, bodyMask: body) } catch let e as PipelineError {
            throw PipelineError(e.code, "\(c.dataset)/\(c.caseId): \(e.message)", stage: e.stage)
        }
    }

    /// Measures every dataset: cases run on up to `threads` threads (one chain per thread, BLAS on
    /// one thread each is the caller's setting); the output is in dataset order and does not
    /// depend on `threads`.
    /// - Throws: the first error by case order (all files are checked before any chain runs).
    public static func run(cohort: String, datasets: [String], config: PipelineConfig, threads: Int = 1,
                           limit: Int? = nil) throws -> [GroundTruthSummary] {
        let perDataset = try datasets.map { try cases(cohort: cohort, dataset: $0, limit: limit) }
        let all = perDataset.flatMap { $0 }
        let measures = try parallelMap(all.count, threads: threads) { try measure(all[$0], config: config) }
        var offset = 0
        return try zip(datasets, perDataset).map { name, cs in
            defer { offset += cs.count }
            let rows = cs.indices.map { (torn: cs[$0].torn, measures: measures[offset + $0]) }
            return try GroundTruthSummary.summarize(dataset: name, cases: rows)
        }
    }

    /// Maps 0..<count on up to `threads` threads; results in index order, the first error by index
    /// rethrown.
    static func parallelMap<T: Sendable>(_ count: Int, threads: Int, _ body: @escaping @Sendable (Int) throws -> T) throws -> [T] {
        if threads <= 1 || count <= 1 { return try (0..<count).map(body) }
        let results = Slots<T>(count)
        let workers = min(threads, count)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var i = w
            while i < count { results.set(i, Result { try body(i) }); i += workers }
        }
        return try results.values().map { try $0.get() }
    }
}

/// Index-addressed results filled from several threads (each index written once, under a lock).
final class Slots<T: Sendable>: @unchecked Sendable {
    private var items: [Result<T, any Error>?]
    private let lock = NSLock()
    init(_ n: Int) { items = Array(repeating: nil, count: n) }
    func set(_ i: Int, _ r: Result<T, any Error>) { lock.lock(); items[i] = r; lock.unlock() }
    func values() -> [Result<T, any Error>] {
        lock.lock(); defer { lock.unlock() }
        return items.map { $0 ?? .failure(PipelineError(.stage, "missing result")) }
    }
}
