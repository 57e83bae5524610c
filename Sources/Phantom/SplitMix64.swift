// Re-exported so every Phantom file (and client) reaches the shared generator without its own import.
@_exported import Common
import Foundation

/// The phantom's draws on the shared generator (Common's `SplitMix64`).
///
/// Every random decision of the phantom goes through one of these, seeded from
/// (cohort seed, dataset name, case index), so a case's bytes depend on nothing else: not on the
/// generation order, not on the number of threads, not on the platform.
extension SplitMix64 {
    /// A uniform Float in [0, 1) from the top 24 bits.
    @inline(__always)
    public mutating func unit() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// A uniform Float in `lo..<hi`.
    @inline(__always)
    public mutating func uniform(_ lo: Float, _ hi: Float) -> Float { lo + (hi - lo) * unit() }

    /// True with probability `p`.
    public mutating func chance(_ p: Float) -> Bool { unit() < p }

    /// A standard normal sample (Box–Muller, one of the pair; used for per-case parameters, not
    /// per-voxel noise).
    public mutating func normal() -> Float {
        let u1 = max(unit(), 1e-7), u2 = unit()
        return (-2 * logf(u1)).squareRoot() * cosf(2 * .pi * u2)
    }
}

/// Seeds derived from names and indices (FNV-1a over UTF-8, then SplitMix64 mixing).
public enum PhantomSeed {
    /// FNV-1a 64-bit hash of a string's UTF-8 bytes (stable across runs and platforms).
    public static func hash(_ text: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    /// The seed of case `index` of `dataset` in a cohort with seed `seed`.
    public static func caseSeed(seed: UInt64, dataset: String, index: Int) -> UInt64 {
        SplitMix64.mix(SplitMix64.mix(seed ^ hash(dataset)) &+ UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15)
    }

    /// The seed of dataset-level decisions (which cases are torn).
    public static func datasetSeed(seed: UInt64, dataset: String) -> UInt64 {
        SplitMix64.mix(SplitMix64.mix(seed &+ 0x5A17_AC1D) ^ hash(dataset))
    }
}
