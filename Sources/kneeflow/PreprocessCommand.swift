import ArgumentParser
import Foundation
import Imaging
import Pipeline

/// `kneeflow preprocess VOLUME --out DIR`: the whole imaging chain on one file (NMF → slice
/// preprocessing → K-means segmentation), writing base.npy, normalized.npy, segmented.npy,
/// mask.npy, labels.npy, preview.png and metrics.json.
struct PreprocessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preprocess",
        abstract: "Run the imaging chain on one volume and write its artifacts and metrics.")

    @Argument(help: "Volume: .npy (shape (slices, height, width)), .nii/.nii.gz, a DICOM file or a directory of DICOM files.")
    var volume: String

    @Option(name: .long, help: "Output directory (created if missing).")
    var out: String

    @OptionGroup var preprocessing: PreprocessingFlags
    @OptionGroup var inputFlags: InputFlags
    @Option(name: .long, help: "BLAS / worker threads.") var threads: Int = 1

    func options() throws -> PreprocessOptions { try preprocessing.options() }

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be ≥ 1") }
        _ = try options()
    }

    func run() throws {
        let opts = try options()
        BLAS.setThreads(threads)
        var config = PipelineConfig()
        inputFlags.apply(to: &config)
        var vol = try VolumeReader.read(path: volume, options: config.readOptions).volume
        let negatives = try config.negativeSamples.apply(to: &vol)
        if negatives.negativeFraction > 0 {
            FileHandle.standardError.write(Data("negative samples: \(negatives.policy.rawValue) (fraction \(negatives.negativeFraction), minimum \(negatives.minimum))\n".utf8))
        }
        let result = try Preprocessor.run(vol, options: opts)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let shape = [result.base.slices, result.base.height, result.base.width]
        var writer = ArtifactWriter(layout: ArtifactLayout(root: out), directory: "", durable: true)
        try writer.write(result.base, as: .base)
        try writer.write(result.normalized, as: .normalized)
        try writer.write(result.segmented, as: .segmented)
        try writer.write(uint8: result.masks, shape: shape, as: .mask)
        try writer.write(uint8: result.labels, shape: shape, as: .labels)
        try writer.writePreview(result, thumbnailWidth: nil)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let json = try encoder.encode(result.metrics)
        try writer.write(Array(json), as: .metrics)
        print(String(decoding: json, as: UTF8.self))
    }
}
