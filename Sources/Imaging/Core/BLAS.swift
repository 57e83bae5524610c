import CBLAS
import CImagingKernels

/// Thin wrappers over OpenBLAS (row-major `cblas_sgemm`) and its thread control.
///
/// All matrices are row-major float32 with explicit leading dimensions; callers guarantee the
/// buffers are large enough (these are internal building blocks, not user-facing API).
public enum BLAS {
    /// Sets the number of threads OpenBLAS uses for subsequent calls (process-wide).
    /// - Parameter n: threads, clamped to at least 1.
    public static func setThreads(_ n: Int) {
        openblas_set_num_threads(Int32(max(1, n)))
    }

    /// Process setting for long-running processes: volume-sized allocations come from the heap and
    /// are reused job after job instead of being mapped and page-faulted afresh (glibc mallopt).
    public static func reuseLargeAllocations() {
        kf_reuse_large_allocations()
    }

    /// OpenBLAS's build configuration and the kernel it chose for this CPU (e.g.
    /// "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64"): another kernel may
    /// round differently, so the stage cache keys its entries on it.
    public static var configuration: String {
        openblas_get_config().map { String(cString: $0) } ?? "unknown"
    }

    /// The path KneeFlow's own C kernels take on this CPU (`kf_code_path`: the target_clones
    /// level, the CPU vendor class, the glibc version). The clones for wider instruction sets may
    /// fuse multiply-adds, so another path may round differently; the stage cache keys on it.
    public static var kernelPath: String { String(cString: kf_code_path()) }

    /// The number of threads OpenBLAS currently uses.
    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// Runs `body` with OpenBLAS on one thread, then restores the count: OpenBLAS splits work
    /// differently with more threads, which changes float rounding; the few products whose
    /// result feeds later decisions (Gram matrix, initial error, final residual) go through here
    /// so the chain's output does not depend on the thread count.
    static func singleThreaded<R>(_ body: () throws -> R) rethrows -> R {
        let t = threads
        if t == 1 { return try body() }
        setThreads(1)
        defer { setThreads(t) }
        return try body()
    }

    /// C (m×n) = alpha · op(A) · op(B) + beta · C, row-major.
    /// - Parameters:
    ///   - transA: use Aᵀ (A stored k×m) instead of A (m×k).
    ///   - transB: use Bᵀ (B stored n×k) instead of B (k×n).
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                     alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                     b: UnsafePointer<Float>, ldb: Int,
                     beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
