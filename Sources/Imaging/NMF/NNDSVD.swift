/// Non-negative double singular value decomposition (Boutsidis & Gallopoulos 2008), the
/// deterministic NMF initialisation, in the form scikit-learn uses (`init='nndsvd'` and
/// `'nndsvda'`, which fills the zeros with the mean of V).
///
/// The leading singular triplets come from an exact eigen-decomposition of the small Gram matrix
/// (V·Vᵀ when rows ≤ columns, else Vᵀ·V; float32 product, float64 Jacobi), so the result is
/// deterministic and needs no random projection. Singular values below 1e-5·σ₀ count as zero.
enum NNDSVD {
    /// Initial factors for V (m×n, row-major, non-negative) with `k ≤ min(m, n)` components.
    /// - Returns: W (m×k) and H (k×n), row-major; entries below 1e-6 are zero (then the mean of V
    ///   when `fillMean`).
    static func initialize(_ v: UnsafeBufferPointer<Float>, m: Int, n: Int, k: Int, fillMean: Bool)
        -> (w: [Float], h: [Float]) {
        let (sigma, u, vt) = BLAS.singleThreaded { leadingSVD(v, m: m, n: n, k: k) }
        var w = [Float](repeating: 0, count: m * k)
        var h = [Float](repeating: 0, count: k * n)
        for j in 0..<k where sigma[j] > 0 {
            // Split the j-th singular pair into positive and negative parts; keep the dominant one.
            var xp = 0.0, xn = 0.0, yp = 0.0, yn = 0.0
            for i in 0..<m { let x = u[i * k + j]; if x > 0 { xp += x * x } else { xn += x * x } }
            vt.withUnsafeBufferPointer { row in
                for c in 0..<n { let y = Double(row[j * n + c]); if y > 0 { yp += y * y } else { yn += y * y } }
            }
            xp = xp.squareRoot(); xn = xn.squareRoot(); yp = yp.squareRoot(); yn = yn.squareRoot()
            let positive = j == 0 || xp * yp > xn * yn
            let xs: Double, ys: Double, s: Double
            if j == 0 {
                xs = 1; ys = 1; s = 1  // first pair: |u|, |v| (Perron vector)
            } else if positive {
                xs = xp; ys = yp; s = xp * yp
            } else {
                xs = xn; ys = yn; s = xn * yn
            }
            guard s > 0, xs > 0, ys > 0 else { continue }
            let lambda = (sigma[j] * s).squareRoot()
            for i in 0..<m {
                let x = u[i * k + j]
                let part = j == 0 ? abs(x) : (positive ? max(x, 0) : max(-x, 0))
                w[i * k + j] = Float(lambda * part / xs)
            }
            let scale = Float(lambda / ys)
            for c in 0..<n {
                let y = vt[j * n + c]
                let part = j == 0 ? abs(y) : (positive ? max(y, 0) : max(-y, 0))
                h[j * n + c] = scale * part
            }
        }
        let fill: Float
        if fillMean {
            var sum = 0.0
            for x in v { sum += Double(x) }
            fill = Float(sum / Double(m * n))
        } else {
            fill = 0
        }
        for i in w.indices where w[i] < 1e-6 { w[i] = fill }
        for i in h.indices where h[i] < 1e-6 { h[i] = fill }
        return (w, h)
    }

    /// The k leading singular values (float64), left vectors U (m×k row-major, float64) and right
    /// vectors Vᵀ (k×n row-major, float32) of V. Components with σ ≤ 1e-5·σ₀ have σ = 0 and
    /// zero vectors.
    static func leadingSVD(_ v: UnsafeBufferPointer<Float>, m: Int, n: Int, k: Int)
        -> (sigma: [Double], u: [Double], vt: [Float]) {
        let p = min(m, n)
        var gram = [Float](repeating: 0, count: p * p)
        let vp = v.baseAddress!
        gram.withUnsafeMutableBufferPointer { g in
            if m <= n {
                BLAS.gemm(transA: false, transB: true, m: m, n: m, k: n, a: vp, lda: n, b: vp, ldb: n, c: g.baseAddress!, ldc: m)
            } else {
                BLAS.gemm(transA: true, transB: false, m: n, n: n, k: m, a: vp, lda: n, b: vp, ldb: n, c: g.baseAddress!, ldc: n)
            }
        }
        // Symmetrise in float64 before Jacobi.
        var gd = [Double](repeating: 0, count: p * p)
        for i in 0..<p { for j in 0..<p { gd[i * p + j] = 0.5 * (Double(gram[i * p + j]) + Double(gram[j * p + i])) } }
        let (values, vectors) = SymmetricEigen.decompose(gd, n: p)
        var sigma = [Double](repeating: 0, count: k)
        let top = max(values.first ?? 0, 0)
        for j in 0..<k where j < p && values[j] > 1e-10 * top && values[j] > 0 { sigma[j] = values[j].squareRoot() }
        var u = [Double](repeating: 0, count: m * k)
        var vt = [Float](repeating: 0, count: k * n)
        if m <= n {
            // U = eigenvectors; Vᵀ_j = U_jᵀ V / σ_j.
            var ut = [Float](repeating: 0, count: k * m)
            for j in 0..<k where sigma[j] > 0 {
                for i in 0..<m { u[i * k + j] = vectors[i * p + j]; ut[j * m + i] = Float(vectors[i * p + j] / sigma[j]) }
            }
            ut.withUnsafeBufferPointer { a in
                vt.withUnsafeMutableBufferPointer { c in
                    BLAS.gemm(transA: false, transB: false, m: k, n: n, k: m, a: a.baseAddress!, lda: m, b: vp, ldb: n, c: c.baseAddress!, ldc: n)
                }
            }
        } else {
            // Right vectors = eigenvectors; U_j = V v_j / σ_j.
            for j in 0..<k where sigma[j] > 0 {
                for c in 0..<n { vt[j * n + c] = Float(vectors[c * p + j]) }
                for i in 0..<m {
                    var s = 0.0
                    for c in 0..<n { s += Double(v[i * n + c]) * vectors[c * p + j] }
                    u[i * k + j] = s / sigma[j]
                }
            }
        }
        return (sigma, u, vt)
    }
}
