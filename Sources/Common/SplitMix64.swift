/// The one seeded pseudo-random generator of KneeFlow (SplitMix64, Steele, Lea & Flood 2014):
/// 64-bit state, full period, every seed (0 included) valid, the same stream on every platform,
/// unlike `SystemRandomNumberGenerator`.
///
/// The core lives here; modules add the draws they need in `SplitMix64+<Module>.swift`
/// (Classifier: Double uniform and normal; Phantom: Float draws and seeds from names).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    @usableFromInline var _state: UInt64

    /// The generator's state (the last value added to, before mixing).
    public var state: UInt64 { _state }

    /// Seeds the generator; every seed (including 0) is valid.
    @inlinable
    public init(seed: UInt64) { _state = seed }

    /// Derives an independent stream from a seed and a list of integers (epoch, sample index, …),
    /// so a sample's random choices do not depend on which thread processes it.
    public init(seed: UInt64, stream: [Int]) {
        var s = SplitMix64(seed: seed)
        var h = s.next()
        for v in stream {
            var m = SplitMix64(seed: h ^ UInt64(bitPattern: Int64(v)) &* 0x9E37_79B9_7F4A_7C15)
            h = m.next()
        }
        _state = h
    }

    /// The next 64 random bits.
    @inlinable @inline(__always)
    public mutating func next() -> UInt64 {
        _state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(_state)
    }

    /// The SplitMix64 finaliser: a bijective avalanche of 64 bits.
    @inlinable @inline(__always)
    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inlinable
    public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform integer in 0..<n (n > 0), by rejection, so no modulo bias.
    public mutating func below(_ n: Int) -> Int {
        precondition(n > 0)
        let bound = UInt64(n)
        let limit = UInt64.max - UInt64.max % bound
        while true {
            let r = next()
            if r < limit { return Int(r % bound) }
        }
    }

    /// Fisher–Yates shuffle with this generator (stable for a given seed).
    public mutating func shuffle<T>(_ a: inout [T]) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) {
            let j = below(i + 1)
            if i != j { a.swapAt(i, j) }
        }
    }
}
