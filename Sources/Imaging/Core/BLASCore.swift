import CBLAS
import Foundation

/// OpenBLAS kernel selection. Debian 12's OpenBLAS 0.3.21 does not recognise this machine's CPU
/// (Sapphire/Emerald Rapids) and falls back to its generic "Prescott" (SSE3) kernels: measured
/// 6–9 GFLOP/s for a 512³ sgemm on one core versus 100–150 GFLOP/s with the SkylakeX (AVX-512)
/// kernels. The kernel is chosen when the library loads, from `OPENBLAS_CORETYPE`, so a process
/// that wants the fast kernels must have it in its environment from the start.
public enum BLASCore {
    /// OpenBLAS's active kernel family, e.g. "SkylakeX", "Haswell", "Prescott".
    public static var current: String { String(cString: openblas_get_corename()) }

    /// The `OPENBLAS_CORETYPE` to use when OpenBLAS fell back to the generic kernels on a CPU that
    /// has AVX-512 (→ "SKYLAKEX") or AVX2+FMA (→ "HASWELL"); nil when nothing needs changing.
    public static func recommendedCoreType() -> String? {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil else { return nil }
        guard current.lowercased() == "prescott" else { return nil }
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flagsLine = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
        let flags = Set(flagsLine.split(separator: " ").map(String.init))
        if ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"].allSatisfy(flags.contains) { return "SKYLAKEX" }
        if ["avx2", "fma"].allSatisfy(flags.contains) { return "HASWELL" }
        return nil
    }

    /// When `recommendedCoreType()` says so, sets `OPENBLAS_CORETYPE` and re-executes the current
    /// process (same arguments) so OpenBLAS loads with the right kernels; otherwise returns.
    /// Call it first thing in a command that does heavy BLAS work. Prints one line to stderr.
    public static func reexecWithTunedCoreIfNeeded(quiet: Bool = false) {
        guard let core = recommendedCoreType() else { return }
        if !quiet {
            FileHandle.standardError.write(Data("note: OpenBLAS chose generic \(current) kernels; re-running with OPENBLAS_CORETYPE=\(core)\n".utf8))
        }
        setenv("OPENBLAS_CORETYPE", core, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // execv only returns on failure: carry on with the slow kernels.
    }
}
