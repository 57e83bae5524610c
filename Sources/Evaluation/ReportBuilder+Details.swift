import Common
/// Timings, throughput, gallery and the paired comparison.
extension ReportBuilder {
    /// Nearest-rank percentile of ascending `sorted` values: the value at rank ⌈p·n/100⌉.
    static func nearestRank(_ sorted: [Double], percent: Int) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = max(1, (percent * sorted.count + 99) / 100)
        return sorted[min(rank, sorted.count) - 1]
    }

    static func timings(_ cases: [CaseInput], stageOrder: [String]) -> [StageTiming] {
        var byStage: [String: [Double]] = [:]
        var totals: [Double] = []
        for c in cases {
            let finite = c.stageMillis.filter { $0.value.isFinite && $0.value >= 0 }
            for (k, v) in finite { byStage[k, default: []].append(v) }
            if !finite.isEmpty { totals.append(finite.keys.sorted().reduce(0.0) { $0 + (finite[$1] ?? 0) }) }
        }
        let listed = stageOrder.filter { byStage[$0] != nil }
        let rest = byStage.keys.filter { !stageOrder.contains($0) }.sorted()
        var rows = (listed + rest).map { stage -> StageTiming in
            let v = (byStage[stage] ?? []).sorted()
            return StageTiming(stage: stage, count: v.count, p50: nearestRank(v, percent: 50),
                               p95: nearestRank(v, percent: 95), max: v.last ?? 0)
        }
        if byStage.count > 1 {
            let v = totals.sorted()
            rows.append(StageTiming(stage: "total", count: v.count, p50: nearestRank(v, percent: 50),
                                    p95: nearestRank(v, percent: 95), max: v.last ?? 0))
        }
        return rows
    }

    /// Finished jobs per minute from case timestamps, or `nil` when they do not allow it.
    static func jobsPerMinute(_ cases: [CaseInput]) -> Double? {
        let finished = cases.filter { $0.state.isFinished }
        let ends = finished.compactMap { $0.finishedAt.flatMap(Timestamp.seconds) }
        guard ends.count == finished.count, let last = ends.max() else { return nil }
        let starts = finished.compactMap { $0.startedAt.flatMap(Timestamp.seconds) }
        guard let first = (starts.isEmpty ? ends : starts).min(), last > first else { return nil }
        return Double(ends.count) / ((last - first) / 60)
    }

    static func gallery(_ cases: [CaseInput], _ scores: [Double], _ labels: [Bool], threshold: Double) -> [GalleryItem] {
        let items = cases.indices.map { i in
            GalleryItem(cell: cellName(called: scores[i] >= threshold, positive: labels[i]),
                        caseId: cases[i].caseId, label: labels[i] ? 1 : 0, probability: scores[i],
                        previewPath: cases[i].previewPath, camPath: cases[i].camPath)
        }
        var out: [GalleryItem] = []
        for cell in ["TP", "FP", "TN", "FN"] {
            let descending = cell == "TP" || cell == "FP"    // most confident first
            let chosen = items.filter { $0.cell == cell }.sorted { a, b in
                if a.probability != b.probability { return descending ? a.probability > b.probability : a.probability < b.probability }
                return a.caseId < b.caseId
            }
            out += chosen.prefix(galleryPerCell)
        }
        return out
    }

    static func cellName(called: Bool, positive: Bool) -> String {
        switch (called, positive) {
        case (true, true): return "TP"
        case (true, false): return "FP"
        case (false, false): return "TN"
        case (false, true): return "FN"
        }
    }

    /// Scored cases of a dataset by id; ids that occur more than once are left out (ambiguous).
    static func scoredById(_ cases: [CaseInput]) -> [String: (Bool, Double)] {
        var out: [String: (Bool, Double)] = [:]
        var seen: [String: Int] = [:]
        for c in cases { seen[c.caseId, default: 0] += 1 }
        for c in cases where seen[c.caseId] == 1 {
            if case .success(let s) = score(c) { out[c.caseId] = s }
        }
        return out
    }

    static func compare(_ r1: RunInput, _ r2: RunInput) -> [DatasetComparison] {
        let d1 = Dictionary(datasets(r1), uniquingKeysWith: { a, _ in a })
        let d2 = Dictionary(datasets(r2), uniquingKeysWith: { a, _ in a })
        return Set(d1.keys).union(d2.keys).sorted().map { name in
            guard let c1 = d1[name], let c2 = d2[name] else {
                return DatasetComparison(dataset: name, run1: r1.name, run2: r2.name, paired: 0, scoredInOneRunOnly: 0,
                                         labelMismatches: 0, test: nil,
                                         undefinedReason: "dataset only in run \(d1[name] == nil ? r2.name : r1.name)")
            }
            let s1 = scoredById(c1), s2 = scoredById(c2)
            let common = Set(s1.keys).intersection(s2.keys).sorted()
            let oneOnly = Set(s1.keys).symmetricDifference(s2.keys).count
            var a: [Double] = [], b: [Double] = [], labels: [Bool] = [], mismatches = 0
            for id in common {
                guard let x = s1[id], let y = s2[id] else { continue }
                if x.0 != y.0 { mismatches += 1; continue }
                a.append(x.1); b.append(y.1); labels.append(x.0)
            }
            var test: PairedAUCTest? = nil, reason: String? = nil
            let m = labels.filter { $0 }.count, n = labels.count - m
            if m < 2 || n < 2 {
                reason = "test undefined: needs ≥ 2 paired cases per class (\(m) positive, \(n) negative)"
            } else {
                do { test = try DeLong.pairedTest(scores1: a, scores2: b, labels: labels) } catch {
                    reason = "test undefined: \(error)"
                }
            }
            if test != nil, test?.z == nil { reason = "test undefined: zero variance of the difference" }
            return DatasetComparison(dataset: name, run1: r1.name, run2: r2.name, paired: labels.count,
                                     scoredInOneRunOnly: oneOnly, labelMismatches: mismatches, test: test,
                                     undefinedReason: reason)
        }
    }
}
