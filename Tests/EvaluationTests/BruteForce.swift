import Common

/// Direct O(m·n) DeLong from the definition (ψ = 1, ½, 0), independent of the midrank code.
enum BruteForce {
    static func psi(_ x: Double, _ y: Double) -> Double { x > y ? 1 : (x == y ? 0.5 : 0) }

    static func components(_ s: [Double], _ l: [Bool]) -> (v10: [Double], v01: [Double]) {
        let pos = s.indices.filter { l[$0] }.map { s[$0] }
        let neg = s.indices.filter { !l[$0] }.map { s[$0] }
        let v10 = pos.map { x in neg.reduce(0.0) { $0 + psi(x, $1) } / Double(neg.count) }
        let v01 = neg.map { y in pos.reduce(0.0) { $0 + psi($1, y) } / Double(pos.count) }
        return (v10, v01)
    }

    static func auc(_ s: [Double], _ l: [Bool]) -> Double {
        let c = components(s, l)
        return c.v10.reduce(0, +) / Double(c.v10.count)
    }

    static func cov(_ a: [Double], _ b: [Double]) -> Double {
        let ma = a.reduce(0, +) / Double(a.count), mb = b.reduce(0, +) / Double(b.count)
        return zip(a, b).reduce(0.0) { $0 + ($1.0 - ma) * ($1.1 - mb) } / Double(a.count - 1)
    }

    /// (var1, var2, cov) of two AUCs on the same cases.
    static func covariance(_ s1: [Double], _ s2: [Double], _ l: [Bool]) -> (Double, Double, Double) {
        let a = components(s1, l), b = components(s2, l)
        let m = Double(a.v10.count), n = Double(a.v01.count)
        return (cov(a.v10, a.v10) / m + cov(a.v01, a.v01) / n,
                cov(b.v10, b.v10) / m + cov(b.v01, b.v01) / n,
                cov(a.v10, b.v10) / m + cov(a.v01, b.v01) / n)
    }
}
