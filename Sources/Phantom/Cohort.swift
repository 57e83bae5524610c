import Foundation
import Common
import Imaging

/// What `Cohort.write` produced, per dataset.
public struct CohortSummary: Sendable, Equatable {
    public struct Dataset: Sendable, Equatable {
        public let name: String
        public let cases: Int
        public let tears: Int
        /// Total number of slices written.
        public let slices: Int
        /// `<dir>/<name>/sagittal`, `<dir>/<name>/acl_mask` and `<dir>/<name>-acl.csv`.
        public let volumeDirectory: String, maskDirectory: String, labelsPath: String
    }
    public let datasets: [Dataset]
}

/// Writes a synthetic cohort in MRNet's layout:
/// ```
/// <dir>/<dataset>/sagittal/<case>.npy   uint8 (slices, size, size)
/// <dir>/<dataset>/acl_mask/<case>.npy   uint8 (slices, size, size), 1 = ACL
/// <dir>/<dataset>/body_mask/<case>.npy  uint8 (size, size), 1 = tissue on any slice, 0 = air
/// <dir>/<dataset>-acl.csv               "<case>,<0|1>" per line, no header (as train-acl.csv)
/// <dir>/<dataset>/nifti/<case>.nii       only with `spec.nifti`: NIfTI-1 copies of volume and
/// <dir>/<dataset>/nifti/<case>_acl.nii   mask (see `NiftiEncoder` for the axis convention)
/// ```
/// Case ids are "0000", "0001", …; every file is written atomically (temporary file + rename,
/// not fsynced: see `CohortFile`); the labels CSV goes through `AtomicFile`; cases are generated in
/// parallel, and each case depends only on (seed, dataset name, index), so the bytes do not
/// depend on the number of threads.
public enum Cohort {
    /// Generates case `index` of `dataset` exactly as `write` does (for previews and tests).
    /// - Throws: `PhantomError(.argument)` for an invalid spec or index.
    public static func generate(_ spec: CohortSpec, dataset: CohortSpec.Dataset, index: Int,
                                torn: Bool? = nil) throws -> PhantomCase {
        guard (0..<dataset.count).contains(index) else {
            throw PhantomError(.argument, "case index \(index) outside 0..<\(dataset.count)")
        }
        let label = torn ?? spec.labels(for: dataset)[index]
        return try KneePhantom.generate(
            caseSeed: PhantomSeed.caseSeed(seed: spec.seed, dataset: dataset.name, index: index),
            technique: .preset(for: dataset.name), torn: label, size: spec.size, slices: spec.slices)
    }

    /// Writes the cohort under `dir` (created if missing; existing files of the same names are
    /// replaced).
    /// - Parameter threads: worker threads (default: all active processors); the output is the
    ///   same for any value.
    /// - Throws: `PhantomError(.argument)` for an invalid spec, `PhantomError(.io)` when a file
    ///   cannot be written.
    public static func write(_ spec: CohortSpec, to dir: String,
                             threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> CohortSummary {
        try spec.validate()
        var jobs: [(dataset: CohortSpec.Dataset, index: Int, torn: Bool)] = []
        var labels: [[Bool]] = []
        for d in spec.datasets {
            let l = spec.labels(for: d)
            labels.append(l)
            for i in 0..<d.count { jobs.append((d, i, l[i])) }
        }
        let results = ResultBox(count: jobs.count)
        let workers = max(1, min(threads, jobs.count))
        let jobList = jobs
        let work: @Sendable (Int) -> Void = { _ in
            while let j = results.nextJob() {
                let job = jobList[j]
                do {
                    let c = try generate(spec, dataset: job.dataset, index: job.index, torn: job.torn)
                    let id = CohortSpec.caseID(job.index, count: job.dataset.count)
                    let layout = CohortLayout(cohort: dir, dataset: job.dataset.name)
                    try CohortFile.write(NpyWriter.encode(uint8: c.volume, shape: c.shape), to: layout.volumePath(case: id))
                    try CohortFile.write(NpyWriter.encode(uint8: c.aclMask, shape: c.shape), to: layout.maskPath(case: id))
                    try CohortFile.write(NpyWriter.encode(uint8: c.bodyMask, shape: [c.height, c.width]), to: layout.bodyMaskPath(case: id))
                    if spec.nifti {
                        for (values, name) in [(c.volume, id), (c.aclMask, "\(id)_acl")] {
                            guard let bytes = NiftiEncoder.encode(uint8: values, slices: c.slices, height: c.height, width: c.width,
                                                                  pixelMM: c.pixelMM, sliceMM: c.sliceSpacingMM) else {
                                throw PhantomError(.argument, "volume too large for NIfTI-1 (\(c.shape))")
                            }
                            try CohortFile.write(bytes, to: "\(layout.niftiDirectory)/\(name).nii")
                        }
                    }
                    results.done(j, slices: c.slices)
                } catch let e as PhantomError {
                    results.fail(e)
                } catch {
                    results.fail(PhantomError(.io, "\(error)"))
                }
            }
        }
        if workers == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: work) }
        if let e = results.firstError { throw e }

        var summaries: [CohortSummary.Dataset] = []
        var offset = 0
        for (d, l) in zip(spec.datasets, labels) {
            let layout = CohortLayout(cohort: dir, dataset: d.name)
            let csvPath = layout.labelsPath
            let csv = CohortLayout.labelsCSV((0..<d.count).map { (CohortSpec.caseID($0, count: d.count), l[$0] ? 1 : 0) })
            do { try AtomicFile.write(string: csv, to: csvPath) } catch { throw PhantomError(.io, "\(error)") }
            summaries.append(.init(name: d.name, cases: d.count, tears: l.filter { $0 }.count,
                                   slices: results.slices(offset..<(offset + d.count)),
                                   volumeDirectory: layout.planeDirectory(), maskDirectory: layout.maskDirectory,
                                   labelsPath: csvPath))
            offset += d.count
        }
        return CohortSummary(datasets: summaries)
    }
}

/// Shared state of the parallel writer: a job counter, per-job slice counts, the first error.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private var counts: [Int]
    private(set) var firstError: PhantomError?

    init(count: Int) { counts = [Int](repeating: 0, count: count) }

    func nextJob() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard firstError == nil, next < counts.count else { return nil }
        next += 1
        return next - 1
    }
    func done(_ j: Int, slices: Int) { lock.lock(); counts[j] = slices; lock.unlock() }
    func fail(_ e: PhantomError) { lock.lock(); if firstError == nil { firstError = e }; lock.unlock() }
    func slices(_ r: Range<Int>) -> Int { lock.lock(); defer { lock.unlock() }; return counts[r].reduce(0, +) }
}
