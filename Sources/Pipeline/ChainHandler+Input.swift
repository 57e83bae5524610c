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
    /// The read stage: reads the job's input (a file, or a DICOM directory) with the run's read
    /// options, checks it is what was enqueued, and applies the negative-sample policy. With a
    /// recorded SHA-256 the input is read once: the bytes that are hashed are the bytes that
    /// are decoded (for a directory, every file's, combined as `FileTree.digest`).
    /// - Throws: `JobError.permanent` for every input problem (`ImagingError`, a changed input,
    ///   negative samples under `refuse`).
    static func readVolume(_ job: ClaimedJob, config: PipelineConfig) throws -> (Volume, InputReport) {
        let options = config.readOptions
        do {
            var result: VolumeReadResult
            if let expected = job.inputSHA256, !expected.isEmpty {
                let actual: String
                if DICOMInput.isDICOM(path: job.inputPath) {
                    let files = try DICOMInput.load(path: job.inputPath, budget: config.memoryBudgetBytes)
                    actual = DICOMInput.sha256(path: job.inputPath, files: files)
                    try check(job, actual: actual, expected: expected)
                    result = try DICOMSeriesReader.read(files: files, options: options, source: job.inputPath)
                } else {
                    let bytes = try Self.readInput(job.inputPath, budget: config.memoryBudgetBytes)
                    actual = SHA256.hex(bytes)
                    try check(job, actual: actual, expected: expected)
                    result = try VolumeReader.read(bytes: bytes, name: job.inputPath, options: options)
                }
            } else {
                result = try VolumeReader.read(path: job.inputPath, options: options)
            }
            let negatives = try config.negativeSamples.apply(to: &result.volume)
            let g = result.geometry
            let report = InputReport(format: result.format.rawValue, notes: result.notes, plane: g?.plane.rawValue,
                                     spacingMM: g.map { [$0.spacingMM.slice, $0.spacingMM.row, $0.spacingMM.column] },
                                     series: result.series, negativeSamples: negatives)
            return (result.volume, report)
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
