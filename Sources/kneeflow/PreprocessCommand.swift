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

    @Argument(help: "Volume file (.npy; uint8 or float32, shape (slices, height, width)).")
    var volume: String

    @Option(name: .long, help: "Output directory (created if missing).")
    var out: String

    @Option(name: .long, help: "Preset: default or blog (NNDSVD, alpha 10, l1 ratio 0.8, 600 iterations).")
    var preset: String = "default"

    @Option(name: .customLong("k"), help: "NMF components (base images).") var components: Int?
    @Option(name: .long, help: "NMF initialisation: nndsvd or nndsvda.") var initialization: String?
    @Option(name: .long, help: "NMF solver: hals or multiplicative.") var solver: String?
    @Option(name: .long, help: "HALS inner sweeps per outer iteration (1 = plain HALS).") var innerSweeps: Int?
    @Option(name: .long, help: "NMF maximum iterations.") var maxIterations: Int?
    @Option(name: .long, help: "NMF coarse-to-fine bin factor (1 = off).") var coarseFactor: Int?
    @Option(name: .long, help: "NMF relative-improvement tolerance.") var tol: Double?
    @Option(name: .long, help: "NMF regularisation alpha.") var alpha: Double?
    @Option(name: .long, help: "NMF L1 ratio.") var l1Ratio: Double?
    @Option(name: .long, help: "Alpha scaling: sklearn or none.") var alphaScaling: String?
    @Option(name: .long, help: "Gaussian sigma (pixels).") var sigma: Double?
    @Option(name: .long, help: "Percentiles low:high, e.g. 1:99.") var percentiles: String?
    @Flag(name: .long, help: "Skip histogram equalisation.") var noEqualize = false
    @Option(name: .long, help: "K-means clusters.") var clusters: Int?
    @Option(name: .long, help: "Kept clusters start:end (end exclusive), e.g. 0:4.") var keep: String?
    @Option(name: .long, help: "BLAS / worker threads.") var threads: Int = 1

    func options() throws -> PreprocessOptions {
        var o: PreprocessOptions
        switch preset {
        case "default": o = PreprocessOptions()
        case "blog": o = .blog
        default: throw ValidationError("unknown preset \(preset) (default, blog)")
        }
        if let components { o.nmf.components = components }
        if let initialization {
            guard let v = NMFOptions.Initialization(rawValue: initialization) else { throw ValidationError("unknown init \(initialization)") }
            o.nmf.initialization = v
        }
        if let solver {
            guard let v = NMFOptions.Solver(rawValue: solver) else { throw ValidationError("unknown solver \(solver)") }
            o.nmf.solver = v
        }
        if let alphaScaling {
            guard let v = NMFOptions.AlphaScaling(rawValue: alphaScaling) else { throw ValidationError("unknown alpha scaling \(alphaScaling)") }
            o.nmf.alphaScaling = v
        }
        if let innerSweeps { o.nmf.innerSweeps = innerSweeps }
        if let maxIterations { o.nmf.maxIterations = maxIterations }
        if let coarseFactor { o.nmf.coarseFactor = coarseFactor }
        if let tol { o.nmf.tolerance = tol }
        if let alpha { o.nmf.alpha = alpha }
        if let l1Ratio { o.nmf.l1Ratio = l1Ratio }
        if let sigma { o.slice.sigma = sigma }
        if let percentiles {
            let (a, b) = try Self.pair(percentiles, Double.self, "percentiles")
            o.slice.lowPercentile = a; o.slice.highPercentile = b
        }
        if noEqualize { o.slice.equalize = false }
        if let clusters { o.segmentation.clusters = clusters }
        if let keep {
            let (a, b) = try Self.pair(keep, Int.self, "keep")
            o.segmentation.keepStart = a; o.segmentation.keepEnd = b
        }
        do { try o.validate() } catch { throw ValidationError("\(error)") }
        return o
    }

    static func pair<T: LosslessStringConvertible>(_ s: String, _: T.Type, _ name: String) throws -> (T, T) {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let a = T(String(parts[0])), let b = T(String(parts[1])) else {
            throw ValidationError("--\(name) expects A:B, got \(s)")
        }
        return (a, b)
    }

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be ≥ 1") }
        _ = try options()
    }

    func run() throws {
        let opts = try options()
        BLAS.setThreads(threads)
        let vol = try VolumeReader.read(path: volume).volume
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
