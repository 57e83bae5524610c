import Evaluation

/// The ground-truth measures of one dataset, aggregated over its cases (see `CaseMeasures` for
/// each case's definitions).
public struct GroundTruthSummary: Codable, Sendable, Equatable {
    /// Distribution of a per-case share: mean, minimum, maximum and 5th percentile (linear
    /// interpolation between order statistics: position 0.05·(n−1) of the sorted values, as numpy's
    /// default).
    public struct Spread: Codable, Sendable, Equatable {
        public var mean: Double
        public var min: Double
        public var max: Double
        public var p5: Double
    }

    /// Dataset name.
    public var dataset: String
    /// Cases measured, and how many of them are torn (label 1).
    public var cases: Int
    public var tears: Int
    /// Per-case `coverage` (share of the projected ACL inside k*'s foreground mask).
    public var coverage: Spread
    /// Σ covered pixels / Σ projected ACL pixels over all cases.
    public var pooledCoverage: Double
    /// Per-case `air` (share of the air inside k*'s foreground mask).
    public var air: Spread
    /// Per-case foreground fraction of k*.
    public var foregroundFraction: Spread
    /// Mean `kept` over intact (label 0) and torn (label 1) cases; nil when the class is absent.
    public var keptIntact: Double?
    public var keptTorn: Double?
    /// AUC (torn = positive, `ROC.auc`, ties ½) of each oracle score; nil without both classes.
    public var auc: AUCs

    /// The AUC of each `OracleScores` field.
    public struct AUCs: Codable, Sendable, Equatable {
        public var raw: Double?
        public var base: Double?
        public var segKept: Double?
        public var segRatio: Double?
        enum CodingKeys: String, CodingKey { case raw, base, segKept = "seg_kept", segRatio = "seg_ratio" }

        /// Always encodes all four keys (null when undefined), so readers see a fixed shape.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(raw, forKey: .raw); try c.encode(base, forKey: .base)
            try c.encode(segKept, forKey: .segKept); try c.encode(segRatio, forKey: .segRatio)
        }
    }

    enum CodingKeys: String, CodingKey {
        case dataset, cases, tears, coverage, pooledCoverage = "pooled_coverage", air
        case foregroundFraction = "foreground_fraction", keptIntact = "kept_intact", keptTorn = "kept_torn", auc
    }

    /// Always encodes every key (null when undefined).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(dataset, forKey: .dataset); try c.encode(cases, forKey: .cases); try c.encode(tears, forKey: .tears)
        try c.encode(coverage, forKey: .coverage); try c.encode(pooledCoverage, forKey: .pooledCoverage)
        try c.encode(air, forKey: .air); try c.encode(foregroundFraction, forKey: .foregroundFraction)
        try c.encode(keptIntact, forKey: .keptIntact); try c.encode(keptTorn, forKey: .keptTorn)
        try c.encode(auc, forKey: .auc)
    }

    /// Aggregates the cases of one dataset.
    /// - Parameters:
    ///   - cases: (torn?, measures) per case, in any order (the result does not depend on it).
    /// - Throws: `PipelineError(.input)` when `cases` is empty.
    public static func summarize(dataset: String, cases: [(torn: Bool, measures: CaseMeasures)]) throws -> GroundTruthSummary {
        guard !cases.isEmpty else { throw PipelineError(.input, "dataset \(dataset): no cases to summarise") }
        let torn = cases.map(\.torn)
        let m = cases.map(\.measures)
        let tears = torn.filter { $0 }.count
        func meanOf(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.sorted().reduce(0, +) / Double(values.count) }
        func auc(_ score: (OracleScores) -> Double) throws -> Double? {
            guard tears > 0, tears < cases.count else { return nil }
            return try ROC.auc(scores: m.map { score($0.scores) }, labels: torn)
        }
        let covered = m.reduce(0) { $0 + $1.coveredPixels }, pixels = m.reduce(0) { $0 + $1.aclPixels }
        return GroundTruthSummary(
            dataset: dataset, cases: cases.count, tears: tears,
            coverage: spread(m.map(\.coverage)),
            pooledCoverage: pixels == 0 ? 0 : Double(covered) / Double(pixels),
            air: spread(m.map(\.air)),
            foregroundFraction: spread(m.map(\.foregroundFraction)),
            keptIntact: meanOf(cases.filter { !$0.torn }.map(\.measures.kept)),
            keptTorn: meanOf(cases.filter { $0.torn }.map(\.measures.kept)),
            auc: AUCs(raw: try auc(\.raw), base: try auc(\.base), segKept: try auc(\.segKept), segRatio: try auc(\.segRatio)))
    }

    /// Mean, min, max and 5th percentile of a non-empty list (sums in sorted order, so the result
    /// does not depend on the order of the values, not even in the last bit).
    static func spread(_ values: [Double]) -> Spread {
        let sorted = values.sorted()
        return Spread(mean: sorted.reduce(0, +) / Double(values.count), min: sorted[0], max: sorted[sorted.count - 1],
                      p5: percentile(sorted: sorted, 0.05))
    }

    /// The q-quantile (0 ≤ q ≤ 1) of sorted values: linear interpolation at position q·(n−1).
    static func percentile(sorted: [Double], _ q: Double) -> Double {
        let h = q * Double(sorted.count - 1)
        let lo = Int(h.rounded(.down)), hi = Swift.min(lo + 1, sorted.count - 1)
        return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }
}
