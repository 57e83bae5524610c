/// Reductions with 16 independent partial sums (SIMD16), so the compiler can keep the vector
/// units busy; a plain `for` loop over Float is a serial chain of dependent additions (one per
/// FP-add latency) because Swift preserves the order of floating-point operations. The order of
/// the partial sums is fixed, so results are deterministic.
enum VectorOps {
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ i: Int) -> SIMD16<Float> {
        UnsafeRawPointer(p + i).loadUnaligned(as: SIMD16<Float>.self)
    }

    /// Σ p[i].
    static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD16<Float>(repeating: 0)
        var i = 0
        while i + 16 <= n { acc += load(p, i); i += 16 }
        var s = acc.sum()
        while i < n { s += p[i]; i += 1 }
        return s
    }

    /// Σ (p[i] − c)².
    static func sumSquaredDeviations(_ p: UnsafePointer<Float>, _ n: Int, from c: Float) -> Float {
        var acc = SIMD16<Float>(repeating: 0)
        let cv = SIMD16<Float>(repeating: c)
        var i = 0
        while i + 16 <= n { let d = load(p, i) - cv; acc += d * d; i += 16 }
        var s = acc.sum()
        while i < n { let d = p[i] - c; s += d * d; i += 1 }
        return s
    }

    /// Σ p[i]·q[i].
    static func dot(_ p: UnsafePointer<Float>, _ q: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD16<Float>(repeating: 0)
        var i = 0
        while i + 16 <= n { acc += load(p, i) * load(q, i); i += 16 }
        var s = acc.sum()
        while i < n { s += p[i] * q[i]; i += 1 }
        return s
    }
}
