import CImagingKernels
import Dispatch

/// Pointer that may cross into `concurrentPerform`; each task touches a disjoint column range.
struct SharedFloats: @unchecked Sendable {
    let p: UnsafeMutablePointer<Float>
}

/// The iterate of the NMF solvers: factors, the reused products and the regularisation.
struct HALSState {
    let m: Int, n: Int, r: Int
    var w: [Float]                // m × r
    var h: [Float]                // r × n
    let options: NMFOptions
    let l1W: Float, l2W: Float, l1H: Float, l2H: Float
    /// ½‖V − WH‖² of the final factors when the last iteration produced it exactly (`.hals`:
    /// the products of the final H and the final W), else nil.
    var finalDataTerm: Double?
    /// Columns per H tile: small enough that r rows stay in L1/L2 for all inner sweeps.
    static let tile = 512

    init(m: Int, n: Int, r: Int, w: [Float], h: [Float], options: NMFOptions) {
        self.m = m; self.n = n; self.r = r; self.w = w; self.h = h; self.options = options
        let scaleW = options.alphaScaling == .sklearn ? Double(n) : 1
        let scaleH = options.alphaScaling == .sklearn ? Double(m) : 1
        l1W = Float(options.alpha * options.l1Ratio * scaleW)
        l2W = Float(options.alpha * (1 - options.l1Ratio) * scaleW)
        l1H = Float(options.alpha * options.l1Ratio * scaleH)
        l2H = Float(options.alpha * (1 - options.l1Ratio) * scaleH)
    }

    /// Runs the outer iterations. Returns (iterations, converged, final objective).
    /// The objective is evaluated after every W update from the products already at hand:
    /// ½(‖V‖² − 2·tr(WᵀA) + tr(WᵀW·B)) + penalties, with A = VHᵀ, B = HHᵀ.
    mutating func iterate(_ v: UnsafePointer<Float>, packed: Blocked? = nil, norm2: Double,
                          maxIterations: Int? = nil, stop: inout StopState) -> (Int, Bool, Double) {
        var a = [Float](repeating: 0, count: m * r)
        var b = [Float](repeating: 0, count: r * r)
        // C = WᵀV and D = WᵀW of the gemm-based solvers (the fused one forms them block by block).
        var c = [Float](repeating: 0, count: options.solver == .hals ? 0 : r * n)
        var d = [Float](repeating: 0, count: r * r)
        stop.previous = .infinity  // each stage starts its own improvement window
        stop.older = .infinity
        stop.window = []
        stop.sliding = options.slidingCheck
        finalDataTerm = nil
        if stop.first == nil && options.stopRule == .improvement || options.solver == .multiplicative && stop.first == nil {
            stop.first = BLAS.singleThreaded { relativeError(v, norm2: norm2) }
        }
        var objective = Double.infinity
        var iterations = 0
        var converged = false
        let (m, n, r) = (self.m, self.n, self.r)
        // The fused solver works on column-blocked V and H (H unpacked again at the end).
        let blockedV = options.solver == .hals ? (packed ?? Blocked(packing: v, rows: m, columns: n)) : nil
        let blockedH = options.solver == .hals ? h.withUnsafeBufferPointer { Blocked(packing: $0.baseAddress!, rows: r, columns: n) } : nil
        defer { if let blockedH { h = blockedH.unpacked() } }
        let cap = max(1, maxIterations ?? options.maxIterations)
        // Iterations below the work floor are always run (see `NMFOptions.minimumWork`).
        let floor = min(cap, Int((options.minimumWork / Double(max(1, m * n * r))).rounded(.up)))
        // Extrapolation (fused solver): the plain iterates W_k and H_k beside the extrapolated ones.
        var her = options.extrapolate && options.solver == .hals ? Extrapolation() : nil
        let previousH: AlignedBuffer<Float>? = her != nil ? blockedH?.floats.map { src in
            let copy = AlignedBuffer<Float>(count: src.count, zeroed: false)
            copy.pointer.update(from: src.pointer, count: src.count)
            return copy
        } : nil
        var plainW = w
        var lastRestart = 0  // the test is honoured only over windows without a restart
        defer { if her != nil { w = plainW } }  // the result is the plain W with the H of the last pass
        for it in 1...cap {
            iterations = it
            if let blockedV, let hp = blockedH?.floats {
                // One fused pass: H update, then A = VHᵀ, B = HHᵀ of the new H; then W.
                let (ad, bd, violationH) = FusedHALS.pass(v: blockedV, r: r, w: w, h: hp.pointer, l1: l1H, l2: l2H,
                                                          sweeps: options.innerSweeps, innerTolerance: options.innerTolerance,
                                                          threads: max(1, BLAS.threads),
                                                          extrapolation: previousH.map { ($0.pointer, Float(her!.beta)) })
                for i in 0..<(m * r) { a[i] = Float(ad[i]) }
                for i in 0..<(r * r) { b[i] = Float(bd[i]) }
                let violationW = updateW(a: a, b: b)
                var hSum = 0.0
                if l1H > 0 { for i in 0..<hp.count { hSum += Double(hp.pointer[i]) } }
                let data = dataTerm(norm2: norm2, a: ad, b: bd)
                objective = data + penalty(b: bd, hSum: hSum)
                finalDataTerm = data
                var stopObjective = objective
                if her != nil, let previousH {
                    let betaUsed = her!.beta
                    // (W_{k+1}, Ĥ_{k+1}) got worse: continue from the plain H_{k+1} and W_{k+1} — unless
                    // this is the last pass, whose (W_{k+1}, Ĥ_{k+1}) is returned with its exact objective.
                    if her!.record(objective: objective) && it < cap {
                        hp.pointer.update(from: previousH.pointer, count: hp.count)
                        plainW = w
                        finalDataTerm = nil  // the products were of Ĥ, not of the H now held
                        lastRestart = it
                    } else {
                        let next = w
                        w = Extrapolation.extrapolate(next, from: plainW, beta: betaUsed)
                        plainW = next
                    }
                    stopObjective = her!.best  // the test sees the best error so far (extrapolated errors wobble)
                }
                if stop.shouldStop(iteration: it, objective: stopObjective, violation: (violationH + violationW) / Double(n),
                                   norm2: norm2, options: options) && it >= floor && it - lastRestart >= options.checkInterval {
                    converged = true
                    break
                }
                continue
            }
            // W step: A = V Hᵀ (m×r), B = H Hᵀ (r×r).
            h.withUnsafeBufferPointer { hb in
                a.withUnsafeMutableBufferPointer { ab in
                    BLAS.gemm(transA: false, transB: true, m: m, n: r, k: n, a: v, lda: n, b: hb.baseAddress!, ldb: n, c: ab.baseAddress!, ldc: r)
                }
                b.withUnsafeMutableBufferPointer { bb in
                    BLAS.gemm(transA: false, transB: true, m: r, n: r, k: n, a: hb.baseAddress!, lda: n, b: hb.baseAddress!, ldb: n, c: bb.baseAddress!, ldc: r)
                }
            }
            let violationW = updateW(a: a, b: b)
            var hSum = 0.0
            if l1H > 0 { for x in h { hSum += Double(x) } }
            objective = dataTerm(norm2: norm2, a: a.map(Double.init), b: b.map(Double.init)) + penalty(b: b.map(Double.init), hSum: hSum)
            // H step: C = Wᵀ V (r×n), D = Wᵀ W (r×r).
            w.withUnsafeBufferPointer { wb in
                c.withUnsafeMutableBufferPointer { cb in
                    BLAS.gemm(transA: true, transB: false, m: r, n: n, k: m, a: wb.baseAddress!, lda: r, b: v, ldb: n, c: cb.baseAddress!, ldc: n)
                }
            }
            for i in 0..<r {
                for j in 0..<r {
                    var s: Float = 0
                    for row in 0..<m { s += w[row * r + i] * w[row * r + j] }
                    d[i * r + j] = s
                }
            }
            let violationH = updateH(c: c, d: d)
            if stop.shouldStop(iteration: it, objective: objective, violation: (violationH + violationW) / Double(n),
                               norm2: norm2, options: options) && it >= floor {
                converged = true
                break
            }
        }
        return (iterations, converged, objective)
    }

    /// Relative error ‖V − WH‖_F/‖V‖_F of the current factors from two thin products (used once,
    /// for the initialisation's error that scales the stopping test).
    func relativeError(_ v: UnsafePointer<Float>, norm2: Double) -> Double {
        var a = [Float](repeating: 0, count: m * r), b = [Float](repeating: 0, count: r * r)
        h.withUnsafeBufferPointer { hb in
            a.withUnsafeMutableBufferPointer { ab in
                BLAS.gemm(transA: false, transB: true, m: m, n: r, k: n, a: v, lda: n, b: hb.baseAddress!, ldb: n, c: ab.baseAddress!, ldc: r)
            }
            b.withUnsafeMutableBufferPointer { bb in
                BLAS.gemm(transA: false, transB: true, m: r, n: r, k: n, a: hb.baseAddress!, lda: n, b: hb.baseAddress!, ldb: n, c: bb.baseAddress!, ldc: r)
            }
        }
        var cross = 0.0, quad = 0.0
        for i in 0..<(m * r) { cross += Double(w[i]) * Double(a[i]) }
        for j in 0..<r { for k in 0..<r {
            var s = 0.0
            for row in 0..<m { s += Double(w[row * r + j]) * Double(w[row * r + k]) }
            quad += s * Double(b[j * r + k])
        } }
        return (max(norm2 - 2 * cross + quad, 0) / norm2).squareRoot()
    }

    /// The regularisation terms of the objective at the current (W, H), given B = HHᵀ of this H
    /// and `hSum` = Σ H (only read when the L1 penalty on H is on).
    func penalty(b: [Double], hSum: Double) -> Double {
        var f = 0.0
        if l1W > 0 || l2W > 0 || l1H > 0 || l2H > 0 {
            var s1 = 0.0, s2 = 0.0
            for x in w { s1 += Double(x); s2 += Double(x) * Double(x) }
            f += Double(l1W) * s1 + 0.5 * Double(l2W) * s2
            var hTrace = 0.0
            for j in 0..<r { hTrace += b[j * r + j] }  // ‖H‖²_F = tr(HHᵀ)
            f += Double(l1H) * hSum + 0.5 * Double(l2H) * hTrace
        }
        return f
    }

    /// ½‖V − WH‖²_F from A = VHᵀ and B = HHᵀ of the current H (float64 sums).
    func dataTerm(norm2: Double, a: [Double], b: [Double]) -> Double {
        var cross = 0.0
        for i in 0..<(m * r) { cross += Double(w[i]) * a[i] }
        var quad = 0.0  // tr(WᵀW·B) = Σ_jk (WᵀW)_jk B_jk
        for j in 0..<r {
            for k in 0..<r {
                var s = 0.0
                for row in 0..<m { s += Double(w[row * r + j]) * Double(w[row * r + k]) }
                quad += s * b[j * r + k]
            }
        }
        return 0.5 * max(norm2 - 2 * cross + quad, 0)
    }

    /// W update given A = VHᵀ, B = HHᵀ (HALS sweeps over the columns of W, or one MU step).
    @discardableResult
    mutating func updateW(a: [Float], b: [Float]) -> Double {
        let (m, r) = (self.m, self.r)
        let l1 = l1W, l2 = l2W
        if options.solver == .multiplicative {
            var next = w
            for i in 0..<m {
                for k in 0..<r {
                    var den: Float = l1 + l2 * w[i * r + k]
                    for j in 0..<r { den += w[i * r + j] * b[j * r + k] }
                    if den == 0 { den = Float.ulpOfOne }
                    next[i * r + k] = w[i * r + k] * max(a[i * r + k], 0) / den
                }
            }
            w = next
            return 0
        }
        let sweeps = Int32(options.innerSweeps), tol2 = options.innerTolerance * options.innerTolerance
        var scratch = [Float](repeating: 0, count: 2 * m * r + m)
        return w.withUnsafeMutableBufferPointer { wp in
            kf_hals_update_w(wp.baseAddress!, a, b, Int32(m), Int32(r), l1, l2, sweeps, tol2, &scratch)
        }
    }

    /// H update given C = WᵀV, D = WᵀW: HALS sweeps per column tile (all inner sweeps on one tile
    /// before the next, tiles in parallel), or one multiplicative step.
    mutating func updateH(c: [Float], d: [Float]) -> Double {
        let (n, r) = (self.n, self.r)
        let tile = Self.tile
        let tiles = (n + tile - 1) / tile
        let threads = max(1, BLAS.threads)
        let opts = options
        let l1 = l1H, l2 = l2H
        var slots = [Float](repeating: 0, count: tiles)
        slots.withUnsafeMutableBufferPointer { sb in
        let vp = SharedFloats(p: sb.baseAddress!)
        h.withUnsafeMutableBufferPointer { hb in
            c.withUnsafeBufferPointer { cb in
                d.withUnsafeBufferPointer { db in
                    let hp = SharedFloats(p: hb.baseAddress!)
                    let cp = SharedFloats(p: UnsafeMutablePointer(mutating: cb.baseAddress!))
                    let dp = SharedFloats(p: UnsafeMutablePointer(mutating: db.baseAddress!))
                    let work: @Sendable (Int) -> Void = { chunk in
                        var scratch = [Float](repeating: 0, count: 2 * tile)
                        scratch.withUnsafeMutableBufferPointer { s in
                            var t = chunk
                            while t < tiles {
                                let c0 = t * tile, c1 = min(n, c0 + tile)
                                if opts.solver == .multiplicative {
                                    Self.muTile(h: hp.p, c: cp.p, d: dp.p, n: n, r: r, c0: c0, c1: c1, l1: l1, l2: l2, scratch: s.baseAddress!)
                                } else {
                                    vp.p[t] = Self.halsTile(h: hp.p, c: cp.p, d: dp.p, n: n, r: r, c0: c0, c1: c1, l1: l1, l2: l2,
                                                            sweeps: opts.innerSweeps, innerTolerance: opts.innerTolerance, g: s.baseAddress!)
                                }
                                t += threads
                            }
                        }
                    }
                    if threads == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: threads, execute: work) }
                }
            }
        }
        }
        return slots.reduce(0.0) { $0 + Double($1) }
    }

    /// HALS sweeps on columns [c0, c1) of H: row k ← max(0, H_k − (D_k·H − C_k + l1 + l2·H_k)/(D_kk + l2)).
    static func halsTile(h: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>, d: UnsafeMutablePointer<Float>,
                         n: Int, r: Int, c0: Int, c1: Int, l1: Float, l2: Float,
                         sweeps: Int, innerTolerance: Double, g: UnsafeMutablePointer<Float>) -> Float {
        let len = c1 - c0
        var first = -1.0
        var violation: Float = 0
        for sweep in 0..<sweeps {
            var delta: Float = 0
            for k in 0..<r {
                let hess = d[k * r + k] + l2
                guard hess > 0 else { continue }
                let ck = c + k * n + c0
                for x in 0..<len { g[x] = l1 - ck[x] }
                for j in 0..<r {
                    let djk = d[k * r + j] + (j == k ? l2 : 0)
                    if djk == 0 { continue }
                    let hj = h + j * n + c0
                    for x in 0..<len { g[x] += djk * hj[x] }
                }
                let hk = h + k * n + c0
                let inv = 1 / hess
                if sweep == 0 { for x in 0..<len { violation += abs(hk[x] == 0 ? min(g[x], 0) : g[x]) } }
                for x in 0..<len {
                    let old = hk[x]
                    let new = max(0, old - g[x] * inv)
                    hk[x] = new
                    delta += (new - old) * (new - old)
                }
            }
            if first < 0 { first = Double(delta) } else if Double(delta) <= innerTolerance * innerTolerance * first { break }
        }
        return violation
    }

    /// One multiplicative step on columns [c0, c1): H ← H ⊙ C / (D·H + l1 + l2·H).
    static func muTile(h: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>, d: UnsafeMutablePointer<Float>,
                       n: Int, r: Int, c0: Int, c1: Int, l1: Float, l2: Float, scratch: UnsafeMutablePointer<Float>) {
        let len = c1 - c0
        // Denominators for all rows first (they use the old H), r rows × len into a temporary.
        var den = [Float](repeating: 0, count: r * len)
        den.withUnsafeMutableBufferPointer { dn in
            for k in 0..<r {
                let row = dn.baseAddress! + k * len
                for x in 0..<len { row[x] = l1 + l2 * h[k * n + c0 + x] }
                for j in 0..<r {
                    let dkj = d[k * r + j]
                    let hj = h + j * n + c0
                    for x in 0..<len { row[x] += dkj * hj[x] }
                }
            }
            for k in 0..<r {
                let row = dn.baseAddress! + k * len
                let hk = h + k * n + c0, ck = c + k * n + c0
                for x in 0..<len {
                    let dv = row[x] == 0 ? Float.ulpOfOne : row[x]
                    hk[x] = hk[x] * max(ck[x], 0) / dv
                }
            }
        }
        _ = scratch
    }
}
