import CImagingKernels

/// One outer HALS iteration in a single pass over V (the accelerated-HALS variant chosen by the
/// benchmark): per block of 64 pixel columns, load V's block once and, while it sits in
/// registers/L1, form C = WᵀV for the block, run the inner coordinate-descent sweeps on the
/// block's H columns (each column's subproblem only needs WᵀW and its own C), and accumulate
/// A = V·Hᵀ and B = H·Hᵀ for the following W update. V and H are stored column-blocked
/// (`Blocked`) so that each block is one contiguous stretch of memory. Blocks are grouped in
/// fixed chunks whose partial sums are reduced in chunk order, so results do not depend on the
/// thread count. The block kernel is C (`kf_hals_blocks`) built for AVX-512, AVX2+FMA and
/// baseline x86-64 and selected at load time; Swift's own SIMD types compile to SSE2 only here.
enum FusedHALS {
    /// Blocks per chunk (the unit of parallel work and of the deterministic reduction).
    static let chunkBlocks = 32

    /// Updates the blocked H (r rows) in place given W (m×r, row-major); returns A = V·Hᵀ (m×r)
    /// and B = H·Hᵀ (r×r) of the new H, accumulated in float64, and the projected-gradient sum.
    /// With `extrapolation`, the swept H is stored in `previous` (blocked like H) and H becomes
    /// max(0, H_swept + β·(H_swept − previous)); A and B are then of that extrapolated H.
    static func pass(v: Blocked, r: Int, w: [Float], h: UnsafeMutablePointer<Float>,
                     l1: Float, l2: Float, sweeps: Int, innerTolerance: Double, threads: Int,
                     extrapolation: (previous: UnsafeMutablePointer<Float>, beta: Float)? = nil) -> (a: [Double], b: [Double], violation: Double) {
        let m = v.rows
        // D = WᵀW (+ l2 on the diagonal), inverse diagonal.
        var d = [Float](repeating: 0, count: r * r)
        for i in 0..<r { for j in 0..<r {
            var s: Float = 0
            for row in 0..<m { s += w[row * r + i] * w[row * r + j] }
            d[i * r + j] = s + (i == j ? l2 : 0)
        } }
        var inv = [Float](repeating: 0, count: r)
        for k in 0..<r { let dk = d[k * r + k]; inv[k] = dk > 0 ? 1 / dk : 0 }
        let blocks = v.blocks
        let chunks = (blocks + chunkBlocks - 1) / chunkBlocks
        let partA = UnsafeMutablePointer<Double>.allocate(capacity: chunks * m * r)
        let partB = UnsafeMutablePointer<Double>.allocate(capacity: chunks * r * r)
        let partV = UnsafeMutablePointer<Double>.allocate(capacity: chunks)
        defer { partA.deallocate(); partB.deallocate(); partV.deallocate() }
        w.withUnsafeBufferPointer { wb in
            d.withUnsafeBufferPointer { db in
                inv.withUnsafeBufferPointer { ib in
                    kf_hals_pass(v.floats?.pointer, v.bytes?.pointer, Int32(m), Int32(r), wb.baseAddress!, db.baseAddress!, ib.baseAddress!,
                                 l1, Int32(sweeps), Float(innerTolerance * innerTolerance), h,
                                 extrapolation?.previous, extrapolation?.beta ?? 0, blocks, Int32(chunkBlocks),
                                 Int32(threads), partA, partB, partV)
                }
            }
        }
        var a = [Double](repeating: 0, count: m * r), b = [Double](repeating: 0, count: r * r)
        var violation = 0.0
        for c in 0..<chunks {
            violation += partV[c]
            for i in 0..<(m * r) { a[i] += partA[c * m * r + i] }
            for i in 0..<(r * r) { b[i] += partB[c * r * r + i] }
        }
        return (a, b, violation)
    }
}
