import ArgumentParser
import Foundation
import Imaging

/// `kneeflow bench nmf`: the NMF alone on volumes read by KneeFlow's own reader (npy, NIfTI,
/// DICOM), one thread: relative error, iterations and milliseconds per volume; JSON on stdout.
/// `ops/nmf-vs-sklearn.py` compares these errors with scikit-learn's on the same matrices.
struct BenchNMFCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nmf",
        abstract: "Run the NMF alone on each volume (one thread) and report its relative error.")

    @Argument(help: "Volumes: .npy, .nii, .nii.gz, DICOM (4-D NIfTI: the first volume).") var inputs: [String]
    @Option(help: "Threads (BLAS and NMF).") var threads: Int = 1
    @OptionGroup var inputFlags: InputFlags
    @OptionGroup var preprocessing: PreprocessingFlags

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be ≥ 1") }
    }

    func run() throws {
        let options = try preprocessing.options().nmf
        BLAS.setThreads(threads)
        var rows: [[String: Any]] = []
        for path in inputs {
            let vol = try VolumeReader.read(path: path, options: inputFlags.readOptions).volume
            let px = vol.height * vol.width
            let t0 = DispatchTime.now().uptimeNanoseconds
            let r = try NMF.factorize(vol.data, rows: vol.slices, columns: px, options: options, imageShape: (vol.height, vol.width))
            let ms = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
            rows.append([
                "volume": path, "shape": [vol.slices, vol.height, vol.width], "k": options.components,
                "relative_error": r.relativeError, "iterations": r.iterations, "coarse_iterations": r.coarseIterations,
                "converged": r.converged, "ms": ms,
            ])
        }
        let data = try JSONSerialization.data(withJSONObject: ["volumes": rows, "tolerance": options.tolerance,
                                                               "stop_rule": options.stopRule.rawValue],
                                              options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}
