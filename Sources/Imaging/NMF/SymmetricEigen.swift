import CBLAS

/// Eigen-decomposition of a small dense symmetric matrix (float64): LAPACK's `dsyevd` (through
/// OpenBLAS), with the cyclic Jacobi method as the reference implementation and for the case
/// LAPACK reports no convergence.
///
/// Used for the Gram matrix of the NMF input (slices × slices, a few dozen rows). Both are
/// deterministic for a given build; for 32×32 `dsyevd` takes ~0.05 ms, Jacobi ~1.3 ms here.
enum SymmetricEigen {
    /// Eigenvalues (descending) and eigenvectors (column j of the row-major n×n `vectors` belongs
    /// to `values[j]`) of the symmetric n×n row-major matrix `a`. Signs are normalised so that the
    /// largest-magnitude entry of every eigenvector is positive (deterministic output).
    static func decompose(_ a: [Double], n: Int) -> (values: [Double], vectors: [Double]) {
        if n > 0, let (values, columns) = lapack(a, n: n) {
            // `columns` is column-major: entry i of eigenvector j at i + j·n; values ascending.
            var v = [Double](repeating: 0, count: n * n)   // row-major, column j = vector j
            for j in 0..<n { for i in 0..<n { v[i * n + j] = columns[i + j * n] } }
            return normalised(values: values, vectors: v, n: n)
        }
        return jacobi(a, n: n)
    }

    /// LAPACK `dsyevd` (jobz = V); nil when it reports an error.
    static func lapack(_ a: [Double], n: Int) -> (values: [Double], columns: [Double])? {
        var m = a   // symmetric: row-major equals column-major
        var w = [Double](repeating: 0, count: n)
        var nn = Int32(n), lda = Int32(n), info: Int32 = 0
        var lwork: Int32 = -1, liwork: Int32 = -1
        var workSize = 0.0, iworkSize: Int32 = 0
        dsyevd_("V", "U", &nn, &m, &lda, &w, &workSize, &lwork, &iworkSize, &liwork, &info)   // size query
        guard info == 0 else { return nil }
        lwork = Int32(workSize.rounded(.up)); liwork = max(1, iworkSize)
        var work = [Double](repeating: 0, count: Int(lwork))
        var iwork = [Int32](repeating: 0, count: Int(liwork))
        dsyevd_("V", "U", &nn, &m, &lda, &w, &work, &lwork, &iwork, &liwork, &info)
        guard info == 0, w.allSatisfy(\.isFinite) else { return nil }
        return (w, m)
    }

    /// Sorts eigenpairs by descending value (ties by index) and makes the largest-magnitude
    /// entry of every eigenvector positive. `vectors`: row-major, column j belongs to values[j].
    static func normalised(values m: [Double], vectors v: [Double], n: Int) -> (values: [Double], vectors: [Double]) {
        let order = (0..<n).sorted { m[$0] > m[$1] || (m[$0] == m[$1] && $0 < $1) }
        var values = [Double](repeating: 0, count: n)
        var vectors = [Double](repeating: 0, count: n * n)
        for (j, src) in order.enumerated() {
            values[j] = m[src]
            var big = 0.0, sign = 1.0
            for k in 0..<n where abs(v[k * n + src]) > big { big = abs(v[k * n + src]); sign = v[k * n + src] < 0 ? -1 : 1 }
            for k in 0..<n { vectors[k * n + j] = sign * v[k * n + src] }
        }
        return (values, vectors)
    }

    /// The cyclic Jacobi method (reference implementation): rotations until the off-diagonal
    /// mass is below 1e-30 of the total.
    static func jacobi(_ a: [Double], n: Int) -> (values: [Double], vectors: [Double]) {
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
        return normalised(values: (0..<n).map { m[$0 * n + $0] }, vectors: v, n: n)
    }
}
