import CImagingKernels

/// Exact (globally optimal) 1-D K-means on weighted points, by dynamic programming over the
/// sorted distinct values (as Ckmeans.1d.dp): optimal clusters are contiguous runs, so
/// D[k][j] = min_i D[k−1][i−1] + SSE(i…j). The optimal split index is monotone in j, which the
/// divide-and-conquer evaluation uses: O(K·d·log d) for d distinct values.
public enum KMeans1D {
    /// Clustering of distinct values `x` (strictly increasing) with weights `w`.
    public struct Result: Sendable, Equatable {
        /// Cluster of each input value, 0…clusters−1, ordered by centroid.
        public var assignment: [Int]
        /// Centroid of each cluster (ascending).
        public var centroids: [Double]
        /// Total weight of each cluster.
        public var weights: [Double]
        /// Σ w·(x − centroid)², the K-means objective.
        public var inertia: Double
    }

    /// Optimal clustering into min(k, d) non-empty clusters.
    /// - Throws: `ImagingError(.argument)` when k < 1, x is not strictly increasing, sizes differ or
    ///   a weight is not positive. Empty input gives an empty result with inertia 0.
    public static func fit(values x: [Double], weights w: [Double], clusters k: Int) throws -> Result {
        try fit(values: x, weights: w, clusters: k, tableLimit: 1024)
    }

    /// `fit` with the largest d for which the C kernel tabulates the cost (tests pass 0 to run
    /// the on-demand path; both give identical results).
    static func fit(values x: [Double], weights w: [Double], clusters k: Int, tableLimit: Int) throws -> Result {
        guard k >= 1 else { throw ImagingError(.argument, "k-means needs ≥ 1 cluster, got \(k)") }
        guard x.count == w.count else { throw ImagingError(.argument, "values and weights differ in length") }
        let d = x.count
        if d == 0 { return Result(assignment: [], centroids: [], weights: [], inertia: 0) }
        for i in 0..<d {
            guard w[i] > 0, w[i].isFinite, x[i].isFinite else { throw ImagingError(.argument, "k-means weights must be positive and values finite") }
            if i > 0 { guard x[i] > x[i - 1] else { throw ImagingError(.argument, "k-means values must be strictly increasing") } }
        }
        let kk = min(k, d)
        // Prefix sums (values shifted by the median for numerical stability).
        let shift = x[d / 2]
        var cw = [Double](repeating: 0, count: d + 1), cs = cw, css = cw
        for i in 0..<d {
            let v = x[i] - shift
            cw[i + 1] = cw[i] + w[i]; cs[i + 1] = cs[i] + w[i] * v; css[i + 1] = css[i] + w[i] * v * v
        }
        // The DP layers: in C over a tabulated cost when d is small (the d ≤ 256 of an 8-bit
        // image), else (or without memory for the table) here with the cost computed on demand.
        var split = [Int32](repeating: 0, count: kk * d)  // split[c·d + j]: first index of cluster c
        let failed = d <= tableLimit ? split.withUnsafeMutableBufferPointer { kf_kmeans_dp(cw, cs, css, d, kk, $0.baseAddress!) } : 1
        if failed != 0 {
            cw.withUnsafeBufferPointer { pw in
                cs.withUnsafeBufferPointer { ps in
                    css.withUnsafeBufferPointer { pss in
                        split.withUnsafeMutableBufferPointer { sp in
                            layers(d: d, kk: kk, split: sp) { i, j in  // SSE of values i…j inclusive
                                let ww = pw[j + 1] - pw[i], s = ps[j + 1] - ps[i]
                                return max(0, (pss[j + 1] - pss[i]) - s * s / ww)
                            }
                        }
                    }
                }
            }
        }
        var assignment = [Int](repeating: 0, count: d)
        var centroids = [Double](repeating: 0, count: kk), weights = centroids
        var end = d - 1
        for c in stride(from: kk - 1, through: 0, by: -1) {
            let start = c == 0 ? 0 : Int(split[c * d + end])
            for i in start...end { assignment[i] = c }
            weights[c] = cw[end + 1] - cw[start]
            centroids[c] = (cs[end + 1] - cs[start]) / weights[c] + shift
            end = start - 1
        }
        var inertia = 0.0
        for i in 0..<d { let e = x[i] - centroids[assignment[i]]; inertia += w[i] * e * e }
        return Result(assignment: assignment, centroids: centroids, weights: weights, inertia: inertia)
    }

    /// The DP layers c = 1…kk−1: D_c[j] = min over i in c…j of D_{c−1}[i−1] + cost(i, j) (first
    /// minimum), by divide and conquer on j (the optimal i is monotone in j), recording the
    /// minimising i in split[c·d + j].
    private static func layers(d: Int, kk: Int, split: UnsafeMutableBufferPointer<Int32>,
                               cost: (Int, Int) -> Double) {
        guard kk > 1 else { return }
        var prev = [Double](repeating: 0, count: d), cur = [Double](repeating: 0, count: d)
        for j in 0..<d { prev[j] = cost(0, j) }
        var stack: [(Int, Int, Int, Int)] = []  // (jl, jr, il, ir) ranges still to solve
        stack.reserveCapacity(64)
        for c in 1..<kk {
            prev.withUnsafeBufferPointer { pv in
                cur.withUnsafeMutableBufferPointer { cu in
                    stack.append((c, d - 1, c, d - 1))
                    while let (jl, jr, il, ir) = stack.popLast() {
                        if jl > jr { continue }
                        let j = (jl + jr) / 2
                        var best = Double.infinity, bi = max(il, c)
                        let upper = min(ir, j)
                        if bi <= upper {
                            for i in bi...upper {
                                let v = pv[i - 1] + cost(i, j)
                                if v < best { best = v; bi = i }
                            }
                        }
                        cu[j] = best; split[c * d + j] = Int32(bi)
                        stack.append((j + 1, jr, bi, ir))
                        stack.append((jl, j - 1, il, bi))
                    }
                }
            }
            swap(&prev, &cur)
        }
    }
}
