import Foundation

/// The few standard-normal facts DeLong intervals and tests need.
public enum NormalDistribution {
    /// z such that P(|Z| ≤ z) = 0.95 for Z ~ N(0, 1): Φ⁻¹(0.975), to double precision.
    public static let z975 = 1.959963984540054

    /// Two-sided p-value P(|Z| ≥ |z|) = erfc(|z| / √2); exact to the accuracy of libm's `erfc`
    /// (no cancellation for large |z|, unlike 2·(1 − Φ(|z|))).
    public static func twoSidedP(_ z: Double) -> Double {
        erfc(Swift.abs(z) / 2.0.squareRoot())
    }
}
