import Common
import Foundation
import Imaging
import Queue

/// What the read stage found, stored in the job's metrics: the format, the reader's notes (axis
/// chosen, series read, files skipped, scaling), the geometry, and the negative-sample policy's
/// report.
public struct InputReport: Codable, Sendable {
    public var format: String
    public var notes: [String]
    public var plane: String?
    /// Millimetres between slices, rows, columns.
    public var spacingMM: [Double]?
    public var series: String?
    public var negativeSamples: NegativeSamplePolicy.Report

    enum CodingKeys: String, CodingKey {
        case format, notes, plane, spacingMM = "spacing_mm", series, negativeSamples = "negative_samples"
    }
}

extension ChainHandler {
    /// The read stage: reads the job's input (a file, or a DICOM directory) confined to the job's
    /// input root (`ConfinedFile`: regular files only, at most the memory budget whatever the
    /// files claim), checks it is what was enqueued, and applies the negative-sample policy. The
    /// input is read once: the bytes that are hashed are the bytes that are decoded (for a
    /// directory, every file's, combined as `FileTree.digest`).
    /// - Throws: `JobError.inputRefused` outside the root, for a FIFO/device/symlink swap or over
    ///   the budget; `JobError.permanent` for every other input problem (`ImagingError`, a
    ///   changed input, negative samples under `refuse`).
    /// - Returns: the volume, the report, and the SHA-256 of the bytes read (the stage cache's
    ///   key starts from it).
    static func readVolume(_ job: ClaimedJob, config: PipelineConfig) throws -> (Volume, InputReport, String) {
        let options = config.readOptions
        do {
            let files = try readInput(job.inputPath, root: job.effectiveInputRoot, budget: config.memoryBudgetBytes)
            let actual = DICOMInput.sha256(path: job.inputPath, files: files)
            if let expected = job.inputSHA256, !expected.isEmpty {
                try check(job, actual: actual, expected: expected)
            }
            var result: VolumeReadResult
            if files.count > 1 || files[0].name != job.inputPath || DICOMInput.hasMarker(files[0].bytes)
                || job.inputPath.lowercased().hasSuffix(".dcm") {
                result = try DICOMSeriesReader.read(files: files, options: options, source: job.inputPath)
            } else {
                result = try VolumeReader.read(bytes: files[0].bytes, name: job.inputPath, options: options)
            }
            let negatives = try config.negativeSamples.apply(to: &result.volume)
            let g = result.geometry
            let report = InputReport(format: result.format.rawValue, notes: result.notes, plane: g?.plane.rawValue,
                                     spacingMM: g.map { [$0.spacingMM.slice, $0.spacingMM.row, $0.spacingMM.column] },
                                     series: result.series, negativeSamples: negatives)
            return (result.volume, report, actual)
        } catch let e as ImagingError {
            throw JobError.permanent("read: \(e)")
        }
    }

    private static func check(_ job: ClaimedJob, actual: String, expected: String) throws {
        if actual != expected {
            throw JobError.permanent("read: input \(job.inputPath) changed since enqueue (SHA-256 \(actual.prefix(12))… ≠ \(expected.prefix(12))…)")
        }
    }
}
