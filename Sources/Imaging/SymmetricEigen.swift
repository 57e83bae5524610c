/// Eigen-decomposition of a small dense symmetric matrix by the cyclic Jacobi method (float64).
///
/// Used for the Gram matrix of the NMF input (slices × slices, a few dozen rows), where Jacobi is
/// simple, deterministic and accurate. Cost O(n³) per sweep; converges in ~6–10 sweeps.
enum SymmetricEigen {
    /// Eigenvalues (descending) and eigenvectors (column j of the row-major n×n `vectors` belongs
    /// to `values[j]`) of the symmetric n×n row-major matrix `a`. Signs are normalised so that the
    /// largest-magnitude entry of every eigenvector is positive (deterministic output).
    static func decompose(_ a: [Double], n: Int) -> (values: [Double], vectors: [Double]) {
        var m = a
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        var frob = 0.0
        for x in m { frob += x * x }
        let eps = 1e-30 * max(frob, 1e-300)
        m.withUnsafeMutableBufferPointer { mb in
            v.withUnsafeMutableBufferPointer { vb in
                let m = mb.baseAddress!, v = vb.baseAddress!
                for _ in 0..<100 {
                    var off = 0.0
                    for p in 0..<n { for q in (p + 1)..<max(p + 1, n) { off += m[p * n + q] * m[p * n + q] } }
                    if off <= eps { break }
                    for p in 0..<n {
                        for q in (p + 1)..<max(p + 1, n) {
                            let apq = m[p * n + q]
                            if abs(apq) < 1e-300 { continue }
                            let app = m[p * n + p], aqq = m[q * n + q]
                            let theta = (aqq - app) / (2 * apq)
                            let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                            let c = 1 / (t * t + 1).squareRoot(), s = t * c
                            for k in 0..<n {  // rotate columns p, q
                                let mkp = m[k * n + p], mkq = m[k * n + q]
                                m[k * n + p] = c * mkp - s * mkq
                                m[k * n + q] = s * mkp + c * mkq
                            }
                            for k in 0..<n {  // rotate rows p, q
                                let mpk = m[p * n + k], mqk = m[q * n + k]
                                m[p * n + k] = c * mpk - s * mqk
                                m[q * n + k] = s * mpk + c * mqk
                            }
                            for k in 0..<n {
                                let vkp = v[k * n + p], vkq = v[k * n + q]
                                v[k * n + p] = c * vkp - s * vkq
                                v[k * n + q] = s * vkp + c * vkq
                            }
                        }
                    }
                }
            }
        }
        let order = (0..<n).sorted { m[$0 * n + $0] > m[$1 * n + $1] || (m[$0 * n + $0] == m[$1 * n + $1] && $0 < $1) }
        var values = [Double](repeating: 0, count: n)
        var vectors = [Double](repeating: 0, count: n * n)
        for (j, src) in order.enumerated() {
            values[j] = m[src * n + src]
            var big = 0.0, sign = 1.0
            for k in 0..<n where abs(v[k * n + src]) > big { big = abs(v[k * n + src]); sign = v[k * n + src] < 0 ? -1 : 1 }
            for k in 0..<n { vectors[k * n + j] = sign * v[k * n + src] }
        }
        return (values, vectors)
    }
}
