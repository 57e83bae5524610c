import ArgumentParser
import Classifier
import Common
import Foundation

/// `kneeflow bench classifier`: forward/backward GFLOP/s of the default network beside the
/// OpenBLAS sgemm rate measured in the same run, inference ms per volume, and seconds per
/// training epoch for 300 volumes (extrapolated from `--epoch-volumes`). JSON on stdout.
struct BenchClassifierCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classifier",
        abstract: "Classifier throughput: network GFLOP/s vs sgemm, inference ms, epoch seconds (JSON).")

    @Option(help: "Volumes to train one epoch on (the 300-volume figure is extrapolated linearly).")
    var epochVolumes: Int = 60

    @Option(help: "Trainer threads for the epoch measurement.")
    var threads: Int = 2

    @Option(help: "Network input side (pixels); the default architecture's blocks are kept.")
    var inputSize: Int = Architecture.default.inputSize

    func validate() throws {
        guard epochVolumes >= 2, threads >= 1, inputSize >= 16 else {
            throw ValidationError("--epoch-volumes ≥ 2, --threads ≥ 1, --input-size ≥ 16")
        }
    }

    func run() throws {
        // OpenBLAS kernels: tuned once for every command in KneeFlow.main.
        var arch = Architecture.default
        arch.inputSize = inputSize
        let result = try ClassifierBenchmark.run(architecture: arch, epochVolumes: epochVolumes, threads: threads)
        print(try CanonicalJSON.string(result, pretty: true))
    }
}
