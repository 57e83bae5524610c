// Re-exported so every Classifier file (and client) reaches the shared generator without its own import.
@_exported import Common
import Foundation

/// The Classifier's draws (initialisation, dropout masks, augmentation) on the shared generator.
extension SplitMix64 {
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
}
