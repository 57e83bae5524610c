/// One vertex of an empirical ROC curve.
public struct ROCPoint: Codable, Sendable, Equatable {
    /// Scores ≥ `threshold` are called positive; `nil` for the start point (threshold +∞, nothing
    /// called positive).
    public let threshold: Double?
    /// 1 − specificity, in [0, 1].
    public let falsePositiveRate: Double
    /// Sensitivity, in [0, 1].
    public let truePositiveRate: Double

    public init(threshold: Double?, falsePositiveRate: Double, truePositiveRate: Double) {
        self.threshold = threshold
        self.falsePositiveRate = falsePositiveRate
        self.truePositiveRate = truePositiveRate
    }
}

/// Confusion counts at one threshold, with the rates derived from them.
public struct Confusion: Codable, Sendable, Equatable {
    public let truePositives: Int
    public let falsePositives: Int
    public let trueNegatives: Int
    public let falseNegatives: Int

    public init(truePositives: Int, falsePositives: Int, trueNegatives: Int, falseNegatives: Int) {
        self.truePositives = truePositives
        self.falsePositives = falsePositives
        self.trueNegatives = trueNegatives
        self.falseNegatives = falseNegatives
    }

    /// TP / (TP + FN); 0 when there are no positives.
    public var sensitivity: Double {
        let p = truePositives + falseNegatives
        return p == 0 ? 0 : Double(truePositives) / Double(p)
    }

    /// TN / (TN + FP); 0 when there are no negatives.
    public var specificity: Double {
        let n = trueNegatives + falsePositives
        return n == 0 ? 0 : Double(trueNegatives) / Double(n)
    }
}

/// A threshold with its confusion counts, sensitivity, specificity and Youden's J.
public struct OperatingPoint: Codable, Sendable, Equatable {
    /// Scores ≥ `threshold` are called positive.
    public let threshold: Double
    public let confusion: Confusion
    public let sensitivity: Double
    public let specificity: Double
    /// Youden's J = sensitivity + specificity − 1.
    public let youden: Double

    public init(threshold: Double, confusion: Confusion) {
        self.threshold = threshold
        self.confusion = confusion
        self.sensitivity = confusion.sensitivity
        self.specificity = confusion.specificity
        self.youden = confusion.sensitivity + confusion.specificity - 1
    }
}

/// Empirical ROC analysis of scores where higher means "more likely positive".
///
/// Conventions: a case is called positive when `score >= threshold`. Labels are `true` for
/// positives. Scores must be finite. All functions are deterministic: they depend only on the
/// multiset of (score, label) pairs, never on the input order.
public enum ROC {
    /// The ROC curve: one vertex per distinct score, from (0, 0) (threshold +∞) to (1, 1).
    ///
    /// Points are sorted by decreasing threshold, hence by non-decreasing FPR and TPR. Tied scores
    /// form one step (a diagonal segment when the tie mixes classes), so the trapezoid area under
    /// the points equals the Mann–Whitney AUC with ties counted ½.
    /// - Throws: `EvaluationError` `.lengthMismatch`, `.nonFiniteScore`, `.oneClass`.
    public static func curve(scores: [Double], labels: [Bool]) throws -> [ROCPoint] {
        let (p, n) = try validate(scores, labels)
        let order = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        var points = [ROCPoint(threshold: nil, falsePositiveRate: 0, truePositiveRate: 0)]
        var tp = 0, fp = 0, i = 0
        while i < order.count {
            let s = scores[order[i]]
            while i < order.count && scores[order[i]] == s {
                if labels[order[i]] { tp += 1 } else { fp += 1 }
                i += 1
            }
            points.append(ROCPoint(threshold: s, falsePositiveRate: Double(fp) / Double(n),
                                   truePositiveRate: Double(tp) / Double(p)))
        }
        return points
    }

    /// Area under the ROC curve = the Mann–Whitney statistic
    /// (1 / (m·n)) Σᵢ Σⱼ ψ(Xᵢ, Yⱼ), ψ = 1 if X > Y, ½ if X = Y, 0 otherwise, over the m positive
    /// scores X and n negative scores Y. Computed in O(N log N) from midranks:
    /// AUC = (R₊ − m(m+1)/2) / (m·n), R₊ the sum of the positives' midranks.
    /// - Throws: `EvaluationError` `.lengthMismatch`, `.nonFiniteScore`, `.oneClass`.
    public static func auc(scores: [Double], labels: [Bool]) throws -> Double {
        let (m, n) = try validate(scores, labels)
        let ranks = Ranks.midranks(scores)
        var rankSum = 0.0
        for i in scores.indices where labels[i] { rankSum += ranks[i] }
        let md = Double(m)
        return (rankSum - md * (md + 1) / 2) / (md * Double(n))
    }

    /// Confusion counts when cases with `score >= threshold` are called positive.
    /// - Throws: `EvaluationError` `.lengthMismatch`, `.nonFiniteScore` (one class is allowed).
    public static func confusion(scores: [Double], labels: [Bool], threshold: Double) throws -> Confusion {
        try checkShape(scores, labels)
        var tp = 0, fp = 0, tn = 0, fn = 0
        for i in scores.indices {
            switch (scores[i] >= threshold, labels[i]) {
            case (true, true): tp += 1
            case (true, false): fp += 1
            case (false, false): tn += 1
            case (false, true): fn += 1
            }
        }
        return Confusion(truePositives: tp, falsePositives: fp, trueNegatives: tn, falseNegatives: fn)
    }

    /// The operating point at a given threshold (`score >= threshold` is positive).
    /// - Throws: as `confusion(scores:labels:threshold:)`.
    public static func operatingPoint(scores: [Double], labels: [Bool], threshold: Double) throws -> OperatingPoint {
        OperatingPoint(threshold: threshold,
                       confusion: try confusion(scores: scores, labels: labels, threshold: threshold))
    }

    /// The Youden-optimal threshold: among the observed distinct scores, the one maximising
    /// J = sensitivity + specificity − 1. J is compared exactly (as the integer TP·n − FP·m), and
    /// ties go to the highest threshold (the fewest positive calls), so the choice is deterministic.
    /// - Throws: `EvaluationError` `.lengthMismatch`, `.nonFiniteScore`, `.oneClass`.
    public static func youden(scores: [Double], labels: [Bool]) throws -> OperatingPoint {
        let (m, n) = try validate(scores, labels)
        let order = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        var tp = 0, fp = 0, i = 0
        var best: (j: Int, threshold: Double)? = nil
        while i < order.count {
            let s = scores[order[i]]
            while i < order.count && scores[order[i]] == s {
                if labels[order[i]] { tp += 1 } else { fp += 1 }
                i += 1
            }
            let j = tp * n - fp * m          // J · m · n, exact
            if let b = best, j <= b.j { continue }
            best = (j, s)
        }
        // validate() guarantees at least one score, so `best` is set.
        return try operatingPoint(scores: scores, labels: labels, threshold: best?.threshold ?? 0)
    }

    /// Checks equal lengths and finite scores.
    static func checkShape(_ scores: [Double], _ labels: [Bool]) throws {
        guard scores.count == labels.count else {
            throw EvaluationError(.lengthMismatch, "\(scores.count) scores but \(labels.count) labels")
        }
        if let bad = scores.firstIndex(where: { !$0.isFinite }) {
            throw EvaluationError(.nonFiniteScore, "score \(bad) is not finite")
        }
    }

    /// Checks shape and that both classes are present; returns (positives, negatives).
    static func validate(_ scores: [Double], _ labels: [Bool]) throws -> (Int, Int) {
        try checkShape(scores, labels)
        let m = labels.reduce(0) { $0 + ($1 ? 1 : 0) }
        let n = labels.count - m
        guard m > 0, n > 0 else {
            throw EvaluationError(.oneClass, "\(m) positives and \(n) negatives: need both classes")
        }
        return (m, n)
    }
}
