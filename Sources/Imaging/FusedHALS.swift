import Dispatch

/// One outer HALS iteration in a single pass over V (the accelerated-HALS variant chosen by the
/// benchmark): per block of 8 pixel columns, load V's block once and, while it sits in
/// registers/L1, form C = WᵀV for the block, run the inner coordinate-descent sweeps on the
/// block's H columns (each column's subproblem only needs WᵀW and its own C), and accumulate
/// A = V·Hᵀ and B = H·Hᵀ for the following W update. Blocks are grouped in fixed chunks whose
/// partial sums are reduced in chunk order, so results do not depend on the thread count.
enum FusedHALS {
    typealias Vec = SIMD8<Float>
    static let lanes = 8
    /// Columns per chunk (the unit of parallel work and of the deterministic reduction).
    static let chunkColumns = 2048

    /// Updates H (r×n) in place given W (m×r, row-major); returns A = V·Hᵀ (m×r) and
    /// B = H·Hᵀ (r×r) of the new H, accumulated in float64.
    static func pass(v: UnsafePointer<Float>, m: Int, n: Int, r: Int, w: [Float], h: UnsafeMutablePointer<Float>,
                     l1: Float, l2: Float, sweeps: Int, innerTolerance: Double, threads: Int) -> (a: [Double], b: [Double]) {
        // D = WᵀW (+ l2 on the diagonal), inverse diagonal.
        var d = [Float](repeating: 0, count: r * r)
        for i in 0..<r { for j in 0..<r {
            var s: Float = 0
            for row in 0..<m { s += w[row * r + i] * w[row * r + j] }
            d[i * r + j] = s + (i == j ? l2 : 0)
        } }
        let chunks = (n + chunkColumns - 1) / chunkColumns
        let partA = UnsafeMutablePointer<Double>.allocate(capacity: chunks * m * r)
        let partB = UnsafeMutablePointer<Double>.allocate(capacity: chunks * r * r)
        defer { partA.deallocate(); partB.deallocate() }
        let ctx = Context(v: v, m: m, n: n, r: r, w: w, d: d, h: SharedFloats(p: h), l1: l1, sweeps: sweeps,
                          tol2: Float(innerTolerance * innerTolerance),
                          partA: SharedDoubles(p: partA), partB: SharedDoubles(p: partB))
        let workers = max(1, min(threads, chunks))
        if workers == 1 {
            for c in 0..<chunks { ctx.chunk(c) }
        } else {
            DispatchQueue.concurrentPerform(iterations: workers) { t in
                var c = t
                while c < chunks { ctx.chunk(c); c += workers }
            }
        }
        var a = [Double](repeating: 0, count: m * r), b = [Double](repeating: 0, count: r * r)
        for c in 0..<chunks {
            for i in 0..<(m * r) { a[i] += partA[c * m * r + i] }
            for i in 0..<(r * r) { b[i] += partB[c * r * r + i] }
        }
        return (a, b)
    }

    struct SharedDoubles: @unchecked Sendable { let p: UnsafeMutablePointer<Double> }

    struct Context: @unchecked Sendable {
        let v: UnsafePointer<Float>
        let m: Int, n: Int, r: Int
        let w: [Float], d: [Float]
        let h: SharedFloats
        let l1: Float
        let sweeps: Int
        let tol2: Float
        let partA: SharedDoubles, partB: SharedDoubles

        func chunk(_ c: Int) {
            let c0 = c * chunkColumns, c1 = min(n, c0 + chunkColumns)
            let vb = UnsafeMutablePointer<Vec>.allocate(capacity: m)
            let hv = UnsafeMutablePointer<Vec>.allocate(capacity: r)
            let cv = UnsafeMutablePointer<Vec>.allocate(capacity: r)
            let accA = UnsafeMutablePointer<Vec>.allocate(capacity: m * r)
            let accB = UnsafeMutablePointer<Vec>.allocate(capacity: r * r)
            defer { vb.deallocate(); hv.deallocate(); cv.deallocate(); accA.deallocate(); accB.deallocate() }
            accA.initialize(repeating: Vec(), count: m * r)
            accB.initialize(repeating: Vec(), count: r * r)
            var inv = [Float](repeating: 0, count: r)
            for k in 0..<r { let dk = d[k * r + k]; inv[k] = dk > 0 ? 1 / dk : 0 }
            let hp = h.p
            w.withUnsafeBufferPointer { wb in
            d.withUnsafeBufferPointer { db in
            inv.withUnsafeBufferPointer { ib in
                var col = c0
                while col < c1 {
                    let width = min(lanes, c1 - col)
                    // Load the V block and the H block (zero-padded past the last column).
                    for i in 0..<m { vb[i] = load(v + i * n + col, width) }
                    for k in 0..<r { hv[k] = load(hp + k * n + col, width) }
                    // C = WᵀV for the block, minus the L1 penalty.
                    for k in 0..<r { cv[k] = Vec(repeating: -l1) }
                    for i in 0..<m {
                        let x = vb[i]
                        for k in 0..<r { cv[k] += wb[i * r + k] * x }
                    }
                    // Coordinate-descent sweeps over the r rows of this block.
                    var first: Float = -1
                    for _ in 0..<sweeps {
                        var delta = Vec()
                        for k in 0..<r {
                            var g = -cv[k]
                            for j in 0..<r { g += db[k * r + j] * hv[j] }
                            let old = hv[k]
                            let new = pointwiseMax(Vec(), old - g * ib[k])
                            hv[k] = new
                            let diff = new - old
                            delta += diff * diff
                        }
                        let s = delta.sum()
                        if first < 0 { first = s } else if s <= tol2 * first { break }
                    }
                    for k in 0..<r { store(hv[k], hp + k * n + col, width) }
                    // A += V·Hᵀ, B += H·Hᵀ (upper triangle).
                    for i in 0..<m {
                        let x = vb[i]
                        for k in 0..<r { accA[i * r + k] += x * hv[k] }
                    }
                    for j in 0..<r { for k in j..<r { accB[j * r + k] += hv[j] * hv[k] } }
                    col += width
                }
            } } }
            let pa = partA.p + c * m * r, pb = partB.p + c * r * r
            for i in 0..<(m * r) { pa[i] = Double(accA[i].sum()) }
            for j in 0..<r { for k in 0..<r { pb[j * r + k] = Double(accB[min(j, k) * r + max(j, k)].sum()) } }
        }

        @inline(__always) func load(_ p: UnsafePointer<Float>, _ width: Int) -> Vec {
            if width == lanes { return UnsafeRawPointer(p).loadUnaligned(as: Vec.self) }
            var x = Vec()
            for l in 0..<width { x[l] = p[l] }
            return x
        }

        @inline(__always) func store(_ x: Vec, _ p: UnsafeMutablePointer<Float>, _ width: Int) {
            if width == lanes { UnsafeMutableRawPointer(p).storeBytes(of: x, as: Vec.self); return }
            for l in 0..<width { p[l] = x[l] }
        }
    }
}
