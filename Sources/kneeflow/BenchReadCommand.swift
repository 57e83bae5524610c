import ArgumentParser
import Foundation
import Imaging

/// `kneeflow bench read INPUT...`: wall time of `VolumeReader.read` (the worker's reader) per
/// input, best and median of `--reps` reads; JSON on stdout. Used to compare a DICOM series with
/// the same volume as npy or NIfTI (`ops/bench-read.sh` makes the inputs).
struct BenchReadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read",
        abstract: "Benchmark reading volumes (npy, NIfTI, DICOM series) with the worker's reader.")

    @Argument(help: "Inputs: .npy, .nii, .nii.gz, DICOM files or directories.") var inputs: [String]
    @Option(help: "Reads per input (the first also warms the page cache).") var reps: Int = 10
    @OptionGroup var inputFlags: InputFlags

    func validate() throws {
        guard reps >= 1 else { throw ValidationError("--reps must be ≥ 1") }
        guard !inputs.isEmpty else { throw ValidationError("give at least one input") }
    }

    func run() throws {
        var rows: [[String: Any]] = []
        for input in inputs {
            var ms: [Double] = []
            var last: VolumeReadResult? = nil
            _ = try VolumeReader.read(path: input, options: inputFlags.readOptions)   // warm the page cache
            for _ in 0..<reps {
                let t0 = DispatchTime.now().uptimeNanoseconds
                last = try VolumeReader.read(path: input, options: inputFlags.readOptions)
                ms.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
            }
            ms.sort()
            let v = last!.volume
            rows.append(["input": input, "format": last!.format.rawValue, "shape": [v.slices, v.height, v.width],
                         "best_ms": (ms[0] * 1000).rounded() / 1000, "median_ms": (ms[ms.count / 2] * 1000).rounded() / 1000,
                         "notes": last!.notes])
        }
        let json = try JSONSerialization.data(withJSONObject: ["reads": rows, "reps": reps, "dcmtk": DICOMSeriesReader.libraryVersion],
                                              options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }
}
