import Common
import Foundation
import Imaging
import Classifier
import Queue

/// The per-volume chain as a queue job handler: read → NMF → slice preprocessing →
/// segmentation → (classifier) → artifacts, timing each stage. NMF, slice preprocessing and
/// segmentation are skipped when the stage cache holds their outputs for the same input and
/// configuration (`ChainHandler+Cache.swift`, `StageCache`).
///
/// Input problems (missing, corrupt or truncated file, wrong dtype, NaN, empty or tiny volume,
/// changed since enqueue) are permanent failures: retrying cannot help. Everything else a stage
/// throws is reported with the stage's name.
public final class ChainHandler: JobHandler, @unchecked Sendable {
    // @unchecked: all stored properties are immutable after init except through `modelLock`.
    public let config: PipelineConfig
    public let layout: ArtifactLayout
    private let model: Model?
    private let modelLock = NSLock()

    /// Prepares the handler for one run: decodes its configuration and loads (and verifies) its
    /// model.
    /// - Throws: `PipelineError(.config)` for an invalid configuration, `.model` when the model
    ///   file is missing, differs from the SHA-256 recorded on the run, or does not load.
    public init(run: RunInfo, artifactRoot: String) throws {
        config = try PipelineConfig.of(run)
        layout = ArtifactLayout(root: artifactRoot)
        if let path = run.modelPath, !path.isEmpty {
            let actual: String
            do { actual = try SHA256.file(at: path).hex } catch {
                throw PipelineError(.model, "model file \(path) cannot be read: \(error)")
            }
            if let expected = run.modelSHA256, expected != actual {
                throw PipelineError(.model, "model file \(path) has SHA-256 \(actual.prefix(12))…, the run recorded \(expected.prefix(12))…")
            }
            do { model = try Model.load(path: path) } catch {
                throw PipelineError(.model, "model \(path) does not load: \(error)")
            }
        } else {
            model = nil
        }
    }

    public func handle(_ job: ClaimedJob, run: RunInfo) throws -> JobOutput {
        var clock = StageClock()
        let dir = layout.attemptDirectory(run: run.name, dataset: job.dataset, caseId: job.caseId, leaseToken: job.leaseToken)
        var writer = ArtifactWriter(layout: layout, directory: dir, durable: false, format: config.effectiveArtifactFormat)
        var artifacts: [String: String] = [:]  // written by the classification block

        // 1. Read (and check the input is what was enqueued; negative samples by the run's policy).
        let (volume, inputReport, inputSHA256) = try clock.stage("read") { try Self.readVolume(job, config: config) }

        // 2–4. NMF, slice preprocessing, segmentation — or their outputs from the stage cache.
        let (stages, cacheRecord) = try preprocess(volume, inputSHA256: inputSHA256, job: job, clock: &clock, writer: &writer)

        // What the classifier sees: images as stored (the `nmf` variant's base images are the
        // values of their compact file, however this job obtained them).
        let input: Volume
        switch config.variant {
        case .seg: input = stages.segmented
        case .nmf: input = stages.base
        case .raw:
            input = try clock.stage("resample") { try volume.resampledSlices(to: stages.base.slices) }
            try clock.stage("write") { _ = try writer.write(input, as: .raw) }
        }

        // 5. Classification.
        var probability: Double? = nil
        var camPeak: (y: Int, x: Int)? = nil
        if let model {
            probability = try clock.stage("classify") {
                modelLock.lock(); defer { modelLock.unlock() }
                let window: CropWindow
                do { window = try model.window(for: input, landmarks: stages.landmarks) }
                catch { throw JobError.permanent("classify: \(error)") }
                let cam = model.cam(input, window: window)
                camPeak = cam.pooledPeak(height: input.height, width: input.width)
                if config.writeCAM {
                    // The pooled map over the slice that won the max, on that slice, inside the
                    // field of view the network saw.
                    let k = min(cam.winningSlice, input.slices - 1)
                    let rgb = CAMRenderer.overlay(base: input.slice(k), width: input.width, height: input.height,
                                                  heat: cam.onSlice(cam.pooled, height: input.height, width: input.width),
                                                  heatSize: (input.width, input.height))
                    let rel = dir + "/cam.png"
                    try AtomicFile.write(try PNGWriter.encodeRGB(width: input.width, height: input.height, pixels: rgb),
                                         to: layout.absolute(rel), durable: false)
                    artifacts["cam"] = rel
                    let t = Thumbnail.shrink(rgb: rgb, width: input.width, height: input.height, maxWidth: 160)
                    try AtomicFile.write(try PNGWriter.encodeRGB(width: t.width, height: t.height, pixels: t.rgb),
                                         to: layout.absolute(dir + "/cam_thumb.png"), durable: false)
                    artifacts["cam_thumb"] = dir + "/cam_thumb.png"
                }
                return cam.probability
            }
            if let p = probability, !p.isFinite {
                throw JobError.permanent("classify: the model produced a non-finite probability")
            }
        }

        // Measures against ground truth, when the cohort has it (never an input to anything).
        let truth = try clock.stage("groundtruth") {
            try ACLRetention.measure(inputPath: job.inputPath, inputRoot: job.effectiveInputRoot, budget: config.memoryBudgetBytes,
                                     segmented: stages.segmented, foreground: stages.foregroundUnion, camPeak: camPeak)
        }

        var metrics = JobMetrics(stagesMs: clock.millis, preprocess: stages.metrics, variant: config.variant.rawValue,
                                 aclRetention: truth?.retention, aclCoverage: truth?.coverage, camPeakOnACL: truth?.camPeakOnACL,
                                 probability: probability, input: inputReport,
                                 artifactQuantisation: writer.quantisation.isEmpty ? nil : writer.quantisation)
        metrics.cache = cacheRecord
        let metricsJSON = try CanonicalJSON.string(metrics)
        try writer.write(text: try CanonicalJSON.string(metrics, pretty: true) + "\n", as: .metrics)
        artifacts.merge(writer.written) { classified, _ in classified }
        artifacts[ArtifactLayout.directoryKey] = dir
        return JobOutput(probability: probability, metricsJSON: metricsJSON, artifactsJSON: try CanonicalJSON.string(artifacts))
    }

    /// The input's files (the one file, or a DICOM directory's), read through `ConfinedFile`
    /// (under `root`, regular files only, at most `budget` bytes in all whatever they claim).
    /// - Throws: `JobError.inputRefused` for a refused path or input over the budget,
    ///   `ImagingError(.io)` when it cannot be read.
    static func readInput(_ path: String, root: String, budget: Int) throws -> [(name: String, bytes: [UInt8])] {
        do { return try ConfinedFile.readInput(path, under: root, budget: budget) }
        catch let e as CommonError where e.code == .refused || e.code == .tooLarge {
            throw JobError.inputRefused("read: \(e)")
        } catch {
            throw ImagingError(.io, "cannot read: \(error)", file: path)
        }
    }

    /// Removes this attempt's directory (a failed, abandoned or rejected attempt): only its own,
    /// named by its lease token, never the directory another attempt published.
    public func discardAttempt(_ job: ClaimedJob, run: RunInfo) {
        let dir = layout.absolute(layout.attemptDirectory(run: run.name, dataset: job.dataset, caseId: job.caseId,
                                                          leaseToken: job.leaseToken))
        try? FileManager.default.removeItem(atPath: dir)
    }
}
