import Foundation

/// DeLong's structural components of one empirical AUC.
public struct StructuralComponents: Sendable, Equatable {
    /// V10ᵢ = (1/n) Σⱼ ψ(Xᵢ, Yⱼ), one per positive, in input order of the positives.
    public let v10: [Double]
    /// V01ⱼ = (1/m) Σᵢ ψ(Xᵢ, Yⱼ), one per negative, in input order of the negatives.
    public let v01: [Double]
    /// The AUC: the mean of `v10` (equivalently of `v01`).
    public let auc: Double
}

/// One AUC with its DeLong variance and 95% intervals.
public struct AUCEstimate: Codable, Sendable, Equatable {
    public let auc: Double
    /// DeLong's variance S10/m + S01/n (sample variances of the structural components).
    public let variance: Double
    public let standardError: Double
    /// Wald interval AUC ± 1.96·SE, clipped to [0, 1]. This is the interval the report shows
    /// (the same as pROC's `ci.auc(method = "delong")`).
    public let lower: Double
    public let upper: Double
    /// Interval computed on the logit scale and transformed back (stays inside (0, 1)); `nil` when
    /// the AUC is exactly 0 or 1. Offered in the JSON for small samples; not the headline number.
    public let logitLower: Double?
    public let logitUpper: Double?
    public let positives: Int
    public let negatives: Int
}

/// DeLong's test for two correlated ROC curves measured on the same cases.
public struct PairedAUCTest: Codable, Sendable, Equatable {
    public let auc1: Double
    public let auc2: Double
    /// auc1 − auc2.
    public let difference: Double
    public let variance1: Double
    public let variance2: Double
    /// Cov(AUC1, AUC2) = S10[1,2]/m + S01[1,2]/n.
    public let covariance: Double
    /// √(var1 + var2 − 2·cov).
    public let standardError: Double
    /// difference / standardError; `nil` when the standard error is 0 and the difference is not
    /// (degenerate); 0 when both are 0 (identical curves).
    public let z: Double?
    /// Two-sided p-value erfc(|z|/√2); `nil` when `z` is.
    public let p: Double?
    /// 95% Wald interval of the difference (unclipped, in [−1, 1] by construction).
    public let lower: Double
    public let upper: Double
    public let positives: Int
    public let negatives: Int
}

/// DeLong, DeLong & Clarke-Pearson (1988), computed with the midrank algorithm of Sun & Xu (2014):
/// O(N log N) per score vector instead of O(m·n).
public enum DeLong {
    /// Structural components from midranks: with Tz the midranks among all N cases, Tx among the
    /// positives, Ty among the negatives, V10ᵢ = (Tzᵢ − Txᵢ)/n and V01ⱼ = 1 − (Tzⱼ − Tyⱼ)/m.
    /// - Throws: `EvaluationError` `.lengthMismatch`, `.nonFiniteScore`, `.oneClass`.
    public static func components(scores: [Double], labels: [Bool]) throws -> StructuralComponents {
        let (m, n) = try ROC.validate(scores, labels)
        var pos = [Double](), neg = [Double]()
        pos.reserveCapacity(m); neg.reserveCapacity(n)
        for i in scores.indices { if labels[i] { pos.append(scores[i]) } else { neg.append(scores[i]) } }
        let tz = Ranks.midranks(pos + neg)
        let tx = Ranks.midranks(pos)
        let ty = Ranks.midranks(neg)
        let md = Double(m), nd = Double(n)
        var v10 = [Double](repeating: 0, count: m)
        var v01 = [Double](repeating: 0, count: n)
        for i in 0..<m { v10[i] = (tz[i] - tx[i]) / nd }
        for j in 0..<n { v01[j] = 1 - (tz[m + j] - ty[j]) / md }
        return StructuralComponents(v10: v10, v01: v01, auc: mean(v10))
    }

    /// The AUC with DeLong's variance and 95% intervals.
    /// - Throws: as `components`, and `.tooFewCases` with fewer than 2 positives or 2 negatives.
    public static func estimate(scores: [Double], labels: [Bool]) throws -> AUCEstimate {
        let c = try components(scores: scores, labels: labels)
        let m = c.v10.count, n = c.v01.count
        guard m >= 2, n >= 2 else {
            throw EvaluationError(.tooFewCases, "DeLong variance needs ≥ 2 positives and ≥ 2 negatives (have \(m) and \(n))")
        }
        let variance = max(0, covariance(c.v10, c.v10) / Double(m) + covariance(c.v01, c.v01) / Double(n))
        let se = variance.squareRoot()
        let z = NormalDistribution.z975
        var logitLower: Double? = nil, logitUpper: Double? = nil
        if c.auc > 0 && c.auc < 1 {
            let l = log(c.auc / (1 - c.auc))
            let seL = se / (c.auc * (1 - c.auc))
            logitLower = 1 / (1 + exp(-(l - z * seL)))
            logitUpper = 1 / (1 + exp(-(l + z * seL)))
        }
        return AUCEstimate(auc: c.auc, variance: variance, standardError: se,
                           lower: min(1, max(0, c.auc - z * se)), upper: min(1, max(0, c.auc + z * se)),
                           logitLower: logitLower, logitUpper: logitUpper, positives: m, negatives: n)
    }

    /// DeLong's paired test of H₀: AUC1 = AUC2 for two score vectors on the same cases (same
    /// order, shared labels). z = (A1 − A2) / √(var1 + var2 − 2 cov), two-sided p = erfc(|z|/√2).
    /// - Throws: `.lengthMismatch` when the two score vectors differ in length, and as `estimate`.
    public static func pairedTest(scores1: [Double], scores2: [Double], labels: [Bool]) throws -> PairedAUCTest {
        guard scores1.count == scores2.count else {
            throw EvaluationError(.lengthMismatch, "paired scores differ in length: \(scores1.count) vs \(scores2.count)")
        }
        let a = try components(scores: scores1, labels: labels)
        let b = try components(scores: scores2, labels: labels)
        let m = a.v10.count, n = a.v01.count
        guard m >= 2, n >= 2 else {
            throw EvaluationError(.tooFewCases, "DeLong test needs ≥ 2 positives and ≥ 2 negatives (have \(m) and \(n))")
        }
        let md = Double(m), nd = Double(n)
        let var1 = covariance(a.v10, a.v10) / md + covariance(a.v01, a.v01) / nd
        let var2 = covariance(b.v10, b.v10) / md + covariance(b.v01, b.v01) / nd
        let cov = covariance(a.v10, b.v10) / md + covariance(a.v01, b.v01) / nd
        let d = a.auc - b.auc
        let se = max(0, var1 + var2 - 2 * cov).squareRoot()
        var z: Double? = nil
        if se > 0 { z = d / se } else if d == 0 { z = 0 }
        let zq = NormalDistribution.z975
        return PairedAUCTest(auc1: a.auc, auc2: b.auc, difference: d, variance1: var1, variance2: var2,
                             covariance: cov, standardError: se, z: z,
                             p: z.map(NormalDistribution.twoSidedP),
                             lower: d - zq * se, upper: d + zq * se, positives: m, negatives: n)
    }

    static func mean(_ x: [Double]) -> Double {
        var s = 0.0
        for v in x { s += v }
        return s / Double(x.count)
    }

    /// Sample covariance (divisor count − 1) of two equally long vectors with ≥ 2 entries.
    static func covariance(_ x: [Double], _ y: [Double]) -> Double {
        let mx = mean(x), my = mean(y)
        var s = 0.0
        for i in x.indices { s += (x[i] - mx) * (y[i] - my) }
        return s / Double(x.count - 1)
    }
}
