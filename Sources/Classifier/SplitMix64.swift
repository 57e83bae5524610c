import Foundation

/// A small seeded PRNG (SplitMix64, Steele/Lea/Flood 2014): 64-bit state, full period, good
/// enough for initialisation, shuffling, dropout masks and augmentation. Deterministic across
/// platforms, unlike `SystemRandomNumberGenerator`.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Seeds the generator; every seed (including 0) is valid.
    public init(seed: UInt64) { state = seed }

    /// Derives an independent stream from a seed and a list of integers (epoch, sample index, …),
    /// so a sample's random choices do not depend on which thread processes it.
    public init(seed: UInt64, stream: [Int]) {
        var s = SplitMix64(seed: seed)
        var h = s.next()
        for v in stream {
            var m = SplitMix64(seed: h ^ UInt64(bitPattern: Int64(v)) &* 0x9E37_79B9_7F4A_7C15)
            h = m.next()
        }
        state = h
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [lo, hi).
    public mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * nextUnit() }

    /// Standard normal sample (Box–Muller; one value per call, the partner is discarded so the
    /// stream position stays simple to reason about).
    public mutating func normal() -> Double {
        var u1 = nextUnit()
        if u1 < 1e-300 { u1 = 1e-300 }
        let u2 = nextUnit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

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
