import ArgumentParser
import Foundation
import Imaging
import Phantom

/// `kneeflow bench chain`: milliseconds per stage of the imaging chain (median over volumes ×
/// repetitions) at 1 and 2 BLAS threads, plus NMF error and K-means inertia; JSON on stdout.
struct BenchChainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chain",
        abstract: "Benchmark the imaging chain (NMF, slice preprocessing, segmentation) per volume.")

    @Option(name: .long, help: "Directory of .npy volumes; default: 5 synthetic 32×256×256 volumes.")
    var volumes: String?
    @Option(name: .long, help: "Repetitions per volume (median reported).") var reps: Int = 5
    @Option(name: .long, help: "Thread counts to measure, comma-separated.") var threads: String = "1,2"
    @OptionGroup var preprocessing: PreprocessingFlags

    func validate() throws {
        guard reps >= 1 else { throw ValidationError("--reps must be ≥ 1") }
        guard !threadCounts.isEmpty, threadCounts.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--threads like 1,2") }
    }

    var threadCounts: [Int] { threads.split(separator: ",").compactMap { Int($0) } }

    /// Timing volume `index` when no directory is given: a synthetic knee of the phantom (the
    /// `train` technique, 32 slices of 256×256, seed 1000 + index, every other one torn).
    static func timingVolume(index: Int) throws -> Volume {
        let c = try KneePhantom.generate(caseSeed: UInt64(1000 + index), technique: .train, torn: index % 2 == 0,
                                         size: 256, slices: 32...32)
        return try Volume(slices: c.slices, height: c.height, width: c.width, data: c.volume.map(Float.init))
    }

    func run() throws {
        let options = try preprocessing.options()
        var inputs: [(String, Volume)] = []
        if let volumes {
            let names = try FileManager.default.contentsOfDirectory(atPath: volumes).filter { $0.hasSuffix(".npy") }.sorted()
            guard !names.isEmpty else { throw ValidationError("no .npy files in \(volumes)") }
            for n in names { inputs.append((n, try VolumeReader.read(path: volumes + "/" + n).volume)) }
        } else {
            for i in 0..<5 { inputs.append(("synthetic_\(i)", try Self.timingVolume(index: i))) }
        }
        var report: [String: Any] = [
            "volumes": inputs.map(\.0), "shape": [inputs[0].1.slices, inputs[0].1.height, inputs[0].1.width],
            "reps": reps, "solver": options.nmf.solver.rawValue, "innerSweeps": options.nmf.innerSweeps, "tolerance": options.nmf.tolerance,
            "coarseFactor": options.nmf.coarseFactor, "coarseIterations": options.nmf.coarseIterations, "coarseLevels": options.nmf.coarseLevels,
            "coarseInnerSweeps": options.nmf.coarseInnerSweeps, "coarseInnerTolerance": options.nmf.coarseInnerTolerance,
            "coarseTolerance": options.nmf.coarseTolerance, "checkInterval": options.nmf.checkInterval,
            "maxIterations": options.nmf.maxIterations,
        ]
        var perThreads: [String: Any] = [:]
        for t in threadCounts {
            BLAS.setThreads(t)
            var stages: [String: [Double]] = ["nmf": [], "slice": [], "segmentation": [], "total": [], "cpu_total": []]
            var perVolume: [[String: Any]] = []
            for (name, vol) in inputs {
                var totals: [Double] = []
                var last: PreprocessMetrics?
                for _ in 0..<reps {
                    let cpu0 = Self.cpuMilliseconds()
                    let m = try Preprocessor.run(vol, options: options).metrics
                    stages["cpu_total"]!.append(Self.cpuMilliseconds() - cpu0)
                    stages["nmf"]!.append(m.ms.nmf); stages["slice"]!.append(m.ms.slice)
                    stages["segmentation"]!.append(m.ms.segmentation); stages["total"]!.append(m.ms.total)
                    totals.append(m.ms.total); last = m
                }
                guard let m = last else { continue }
                perVolume.append([
                    "volume": name, "median_total_ms": median(totals), "nmf_iterations": m.nmfIterations, "nmf_coarse_iterations": m.nmfCoarseIterations,
                    "nmf_relative_error": m.nmfRelativeError, "inertia_mean": m.inertia.reduce(0, +) / Double(max(1, m.inertia.count)),
                    "inertia": m.inertia, "foreground_fraction_mean": m.foregroundFractions.reduce(0, +) / Double(max(1, m.foregroundFractions.count)),
                ])
            }
            perThreads[String(t)] = [
                "median_ms": stages.mapValues(median), "per_volume": perVolume,
            ]
        }
        report["threads"] = perThreads
        let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    /// Process CPU time (user + system) in milliseconds: a steadier signal than wall time on a
    /// shared machine (all threads summed).
    static func cpuMilliseconds() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000 + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1000
    }

    func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        guard !s.isEmpty else { return 0 }
        return s.count % 2 == 1 ? s[s.count / 2] : 0.5 * (s[s.count / 2 - 1] + s[s.count / 2])
    }
}
