import CImagingKernels
import Dispatch

/// Non-negative matrix factorisation V ≈ W·H for V = a volume as (slices × pixels).
///
/// Deterministic: NNDSVD(a) initialisation, fixed sweep order, per-tile work that does not depend
/// on the thread count. Dense products go through OpenBLAS (`cblas_sgemm`); the number of BLAS
/// threads (`BLAS.setThreads`) also sets how many threads the H sweeps use.
public enum NMF {
    /// Factorises the row-major m×n matrix `v`.
    /// - Parameters:
    ///   - v: m·n non-negative finite samples, row-major (row = slice, column = pixel).
    ///   - rows: m (slices). - columns: n (pixels).
    ///   - imageShape: (height, width) with height·width = n, enabling the coarse-to-fine start
    ///     of `options.coarseFactor`; nil = plain NNDSVD start.
    /// - Returns: factors, iterations, relative Frobenius error; the rank is capped at min(K, m, n)
    ///   and missing components are zero (counted in `zeroComponents`).
    /// - Throws: `ImagingError(.shape)` for inconsistent sizes, `.value` for negative, non-finite
    ///   or all-zero input, `.argument` for invalid options.
    public static func factorize(_ v: [Float], rows m: Int, columns n: Int, options: NMFOptions,
                                 imageShape: (height: Int, width: Int)? = nil) throws -> NMFResult {
        try options.validate()
        guard m > 0, n > 0, v.count == m * n else {
            throw ImagingError(.shape, "NMF input \(m)×\(n) needs \(m * n) samples, got \(v.count)")
        }
        let k = options.components
        let r = min(k, m, n)
        var norm2 = 0.0
        var isBytes: Int32 = 0
        // Filled completely by kf_scan when the samples are bytes; unused otherwise.
        let packedBytes = options.solver == .hals ? AlignedBuffer<UInt8>(count: Blocked.count(rows: m, columns: n), zeroed: false) : nil
        // The coarsest level of the coarse-to-fine start is binned while the scan has each slice in cache.
        let factors = imageShape.map { Self.pyramidFactors(m: m, n: n, shape: $0, r: r, options: options) } ?? []
        let shape = imageShape ?? (height: 1, width: n)
        var binned = [Float](repeating: 0, count: factors.first.map { f in
            Coarse.grid(height: shape.height, width: shape.width, factor: f).map { m * $0.0 * $0.1 } ?? 0 } ?? 0)
        var binScratch = [Float](repeating: 0, count: factors.isEmpty ? 0 : m * shape.width)
        var scanScratch = [UInt8](repeating: 0, count: m * Int(kf_scan_scratch_bytes()))
        let status = v.withUnsafeBufferPointer { vb in
            binned.withUnsafeMutableBufferPointer { bb in
                kf_scan(vb.baseAddress!, Int32(m), n, packedBytes?.pointer, &norm2, &isBytes, Int32(max(1, BLAS.threads)), &scanScratch,
                        Int32(factors.first ?? 1), Int32(shape.height), Int32(shape.width), bb.baseAddress, &binScratch)
            }
        }
        guard status != 1 else { throw ImagingError(.value, "NMF input has a non-finite sample") }
        guard status != 2 else { throw ImagingError(.value, "NMF input has a negative sample; V must be non-negative") }
        guard norm2 > 0 else { throw ImagingError(.value, "NMF input is all zero") }
        var coarseIterations = 0
        var stop = StopState()
        var state: HALSState
        let levels = factors.enumerated().compactMap { index, f -> Coarse? in
            index == 0 ? Coarse(binned: binned, height: shape.height, width: shape.width, factor: f)
                       : Coarse(v, m: m, height: shape.height, width: shape.width, factor: f)
        }
        if levels.isEmpty {
            state = v.withUnsafeBufferPointer { vb in
                let (w, h) = NNDSVD.initialize(vb, m: m, n: n, k: r, fillMean: options.initialization == .nndsvda)
                return HALSState(m: m, n: n, r: r, w: w, h: h, options: options)
            }
        } else {
            var co = options
            co.tolerance = options.coarseTolerance
            co.stopRule = .improvement  // the binned levels only seed the full-resolution stage
            co.minimumWork = 0
            co.slidingCheck = false
            co.innerSweeps = options.coarseInnerSweeps
            co.innerTolerance = options.coarseInnerTolerance
            let top = levels[0]
            var cs = top.data.withUnsafeBufferPointer { vb in
                let (w, h) = NNDSVD.initialize(vb, m: m, n: top.columns, k: r, fillMean: options.initialization == .nndsvda)
                return HALSState(m: m, n: top.columns, r: r, w: w, h: h, options: co)
            }
            for (index, level) in levels.enumerated() {
                if index > 0 {
                    cs = HALSState(m: m, n: level.columns, r: r, w: cs.w, h: levels[index - 1].upsample(cs.h, rows: r, to: level), options: co)
                }
                var cn2 = 0.0
                for x in level.data { cn2 += Double(x) * Double(x) }
                if options.coarseIterations > 0 {
                    coarseIterations += level.data.withUnsafeBufferPointer { vb in
                        cs.iterate(vb.baseAddress!, norm2: cn2, maxIterations: options.coarseIterations, stop: &stop).0
                    }
                }
            }
            state = HALSState(m: m, n: n, r: r, w: cs.w, h: levels[levels.count - 1].upsample(cs.h, rows: r), options: options)
        }
        let packed = isBytes != 0 ? packedBytes.map { Blocked(bytes: $0, rows: m, columns: n) } : nil
        let (iterations, converged, objective) = v.withUnsafeBufferPointer { vb in
            state.iterate(vb.baseAddress!, packed: packed, norm2: norm2, stop: &stop)
        }
        // The identity ‖V‖² − 2tr(WᵀVHᵀ) + tr(WᵀW·HHᵀ) from the last pass is exact to ~1e-6·‖V‖²;
        // below 1% relative error cancellation matters, so the residual is summed directly.
        var err2 = 2 * (state.finalDataTerm ?? 0)
        if state.finalDataTerm == nil || err2 < 1e-4 * norm2 {
            err2 = BLAS.singleThreaded {
                v.withUnsafeBufferPointer { residualNorm2($0.baseAddress!, w: state.w, h: state.h, m: m, n: n, r: r) }
            }
        }
        var result = order(state: state, k: k, iterations: iterations, coarseIterations: coarseIterations, converged: converged,
                           relativeError: (err2 / norm2).squareRoot(), objective: objective)
        result.initialError = stop.first
        return result
    }

    /// The bin factors of the coarse-to-fine start, coarsest first: coarseFactor, coarseFactor/2, …
    /// (at most `coarseLevels`, each > 1, halving while even), keeping those whose grid has at
    /// least 2 bins per side and `r` cells; empty when off or when the image is too small.
    static func pyramidFactors(m: Int, n: Int, shape: (height: Int, width: Int), r: Int, options: NMFOptions) -> [Int] {
        guard shape.height * shape.width == n, options.coarseFactor > 1 else { return [] }
        var factors: [Int] = []
        var factor = options.coarseFactor
        while factor > 1 && factors.count < options.coarseLevels {
            if let (ch, cw) = Coarse.grid(height: shape.height, width: shape.width, factor: factor), ch * cw >= r {
                factors.append(factor)
            }
            guard factor % 2 == 0 else { break }
            factor /= 2
        }
        return factors
    }

    /// ‖V − W·H‖²_F in float64, in column blocks (no m×n temporary).
    static func residualNorm2(_ v: UnsafePointer<Float>, w: [Float], h: [Float], m: Int, n: Int, r: Int) -> Double {
        let block = 4096
        var tmp = [Float](repeating: 0, count: m * block)
        var total = 0.0
        w.withUnsafeBufferPointer { wb in
            h.withUnsafeBufferPointer { hb in
                tmp.withUnsafeMutableBufferPointer { t in
                    var c0 = 0
                    while c0 < n {
                        let nb = min(block, n - c0)
                        BLAS.gemm(transA: false, transB: false, m: m, n: nb, k: r, a: wb.baseAddress!, lda: r,
                                  b: hb.baseAddress! + c0, ldb: n, c: t.baseAddress!, ldc: nb)
                        for i in 0..<m {
                            var s: Float = 0, acc = 0.0
                            let vr = v + i * n + c0, tr = t.baseAddress! + i * nb
                            var c = 0
                            while c < nb {  // float partial sums of ≤ 256 terms, float64 total
                                let end = min(nb, c + 256)
                                s = 0
                                for j in c..<end { let d = vr[j] - tr[j]; s += d * d }
                                acc += Double(s); c = end
                            }
                            total += acc
                        }
                        c0 += nb
                    }
                }
            }
        }
        return total
    }

    /// Sorts components by W-weighted mean row index, pads to K with zeros and counts zero ones.
    static func order(state: HALSState, k: Int, iterations: Int, coarseIterations: Int, converged: Bool,
                      relativeError: Double, objective: Double) -> NMFResult {
        let m = state.m, n = state.n, r = state.r
        var key = [Double](repeating: .infinity, count: r)
        var zero = [Bool](repeating: false, count: r)
        for j in 0..<r {
            var sw = 0.0, siw = 0.0
            for i in 0..<m { let x = Double(state.w[i * r + j]); sw += x; siw += Double(i) * x }
            var hAny = false
            for c in 0..<n where state.h[j * n + c] > 0 { hAny = true; break }
            zero[j] = !(sw > 0) || !hAny
            if !zero[j] { key[j] = siw / sw }
        }
        let perm = (0..<r).sorted { a, b in
            if zero[a] != zero[b] { return !zero[a] }
            if key[a] != key[b] { return key[a] < key[b] }
            return a < b
        }
        var w = [Float](repeating: 0, count: m * k)
        for (dst, src) in perm.enumerated() where !zero[src] {
            for i in 0..<m { w[i * k + dst] = state.w[i * r + src] }
        }
        let h = [Float](unsafeUninitializedCapacity: k * n) { out, count in   // whole rows, copied
            state.h.withUnsafeBufferPointer { src in
                for dst in 0..<k {
                    let row = UnsafeMutableBufferPointer(rebasing: out[(dst * n)..<((dst + 1) * n)])
                    if dst < r, !zero[perm[dst]] {
                        _ = row.initialize(from: UnsafeBufferPointer(rebasing: src[(perm[dst] * n)..<((perm[dst] + 1) * n)]))
                    } else {
                        row.initialize(repeating: 0)
                    }
                }
            }
            count = k * n
        }
        let zeros = (k - r) + zero.filter { $0 }.count
        return NMFResult(w: w, h: h, rows: m, columns: n, components: k, rank: r, iterations: iterations, coarseIterations: coarseIterations,
                         converged: converged, relativeError: relativeError, objective: objective,
                         zeroComponents: zeros)
    }
}

