import Common
import Foundation
import Imaging
import Queue

extension ChainHandler {
    /// Stages 2–4 of one job: NMF, slice preprocessing and segmentation with their artifacts
    /// (base, segmented, mask, preview) written into the attempt directory, or — when the run
    /// uses the stage cache and an intact entry of the job's `StageCacheKey` exists — the
    /// entry's files hard-linked there instead and the three stages skipped (stage timing
    /// `cache` instead of `nmf`/`slice`/`segmentation`).
    ///
    /// Either way the outputs are the stored forms (`ArtifactWriter.write`'s return), so what
    /// follows (classifier, ground-truth measures, metrics) is the same bit for bit. A damaged
    /// entry is recomputed and replaced, and the job's `CacheRecord` says so.
    func preprocess(_ volume: Volume, inputSHA256: String, job: ClaimedJob, clock: inout StageClock,
                    writer: inout ArtifactWriter) throws -> (StageOutputs, CacheRecord) {
        let key = StageCacheKey(config: config, dataset: job.dataset, inputSHA256: inputSHA256)
        var record = CacheRecord(key: try key.hex(), reused: false)
        let cache = StageCache(layout: layout)
        var damaged = false
        if !config.cacheEnabled {
            record.disabled = true
        } else {
            var w = writer
            let found = try clock.stage("cache") { try cache.lookup(key, hex: record.key, writer: &w) }
            switch found {
            case .hit(let outputs, let notes):
                writer = w
                record.reused = true
                record.entry = StageCache.entryDirectory(record.key)
                if !notes.isEmpty { record.notes = notes }
                return (outputs, record)
            case .damaged(let why):
                damaged = true
                record.note("\(why); recomputed")
            case .miss:
                break
            }
        }

        let options = config.preprocessOptions(dataset: job.dataset)
        let result: PreprocessResult
        do { result = try Preprocessor.run(volume, options: options) }
        catch let e as ImagingError { throw JobError.permanent("preprocess: \(e)") }
        clock.record(["nmf": result.metrics.ms.nmf, "slice": result.metrics.ms.slice,
                      "segmentation": result.metrics.ms.segmentation])

        let outputs = try clock.stage("write") {
            let base = try writer.write(result.base, as: .base)
            let segmented = try writer.write(result.segmented, as: .segmented)
            try writer.writeMasks(result)
            if config.writePreview { try writer.writePreview(result, thumbnailWidth: 480) }
            return StageOutputs(base: base, segmented: segmented, masks: result.masks, metrics: result.metrics)
        }

        if config.cacheEnabled {
            let w = writer
            do {
                let (entry, notes) = try clock.stage("cache") {
                    try cache.publish(key, hex: record.key, writer: w, metrics: result.metrics, replacing: damaged)
                }
                record.entry = entry
                for n in notes { record.note(n) }
            } catch let e as CommonError where e.code == .storageFull {
                throw e  // the store's problem, not the job's: the worker treats it so
            } catch {
                // The job's own artifacts are complete; only the sharing failed. Said, not hidden.
                record.note("entry not published: \(error)")
            }
        }
        return (outputs, record)
    }
}
