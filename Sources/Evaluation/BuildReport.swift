import Common
/// Computes the report from plain data. Pure and deterministic: the result depends only on the
/// content of `input`, never on the order of runs' datasets or cases (cases are sorted by id
/// before any arithmetic). Nothing is dropped silently: every case that does not enter the ROC
/// analysis is listed in `DatasetReport.unscored` with its reason.
public func buildReport(_ input: ReportInput) -> Report {
    let order = input.stageOrder ?? []
    var runs = [ReportBuilder.run(input.run, stageOrder: order)]
    var comparisons: [DatasetComparison] = []
    if let other = input.comparison {
        runs.append(ReportBuilder.run(other, stageOrder: order))
        comparisons = ReportBuilder.compare(input.run, other)
    }
    return Report(title: input.title ?? "KneeFlow evaluation report", runs: runs,
                  comparisons: comparisons, methods: ReportBuilder.methods)
}

/// The pieces of `buildReport`.
enum ReportBuilder {
    static let galleryPerCell = 3

    static let methods = [
        "AUC: the Mann–Whitney statistic (ties count ½) over scored cases: succeeded, labelled 0 or 1, with a finite probability.",
        "95% CI: DeLong variance, Wald interval AUC ± 1.96·SE clipped to [0, 1] (as pROC's ci.auc); report.json also holds the logit-scale interval (logitLower, logitUpper).",
        "AUC is reported undefined when a class is missing or has fewer than 2 scored cases (DeLong's variance needs 2 per class).",
        "Operating points: a case is called positive when its probability ≥ the threshold. Youden threshold: the observed probability maximising sensitivity + specificity − 1; ties go to the higher threshold.",
        "Paired comparison: DeLong, DeLong & Clarke-Pearson (1988) on the cases scored in both runs, matched by dataset and case id with equal labels (an id occurring twice in a dataset is left out); two-sided p = erfc(|z|/√2).",
        "Stage timings: nearest-rank percentiles over succeeded cases, in milliseconds; total = the sum of a case's stages.",
        "Jobs/min: finished jobs (succeeded or failed) divided by the time from the first start to the last finish.",
        "Gallery: up to 3 cases per confusion cell at the Youden threshold, most confident first.",
    ]

    /// Cases sorted by id, then by every other field, so equal ids still sort deterministically.
    static func sorted(_ cases: [CaseInput]) -> [CaseInput] {
        cases.sorted { a, b in
            if a.caseId != b.caseId { return a.caseId < b.caseId }
            if a.state != b.state { return a.state.rawValue < b.state.rawValue }
            if a.label != b.label { return (a.label ?? Int.min) < (b.label ?? Int.min) }
            if a.probability != b.probability { return (a.probability ?? -.infinity) < (b.probability ?? -.infinity) }
            return (a.error ?? "") < (b.error ?? "")
        }
    }

    /// Merges datasets of the same name, sorted by name.
    static func datasets(_ run: RunInput) -> [(String, [CaseInput])] {
        var byName: [String: [CaseInput]] = [:]
        for d in run.datasets { byName[d.name, default: []] += d.cases }
        return byName.keys.sorted().map { ($0, sorted(byName[$0] ?? [])) }
    }

    /// (label, probability) when the case enters the ROC analysis, else the reason it does not.
    static func score(_ c: CaseInput) -> Result<(Bool, Double), Unscorable> {
        switch c.state {
        case .succeeded: break
        case .failed: return .failure(Unscorable("failed: " + (c.error ?? "no error recorded")))
        case .queued, .running: return .failure(Unscorable("pending (\(c.state))"))
        case .cancelled: return .failure(Unscorable("cancelled"))
        }
        guard let label = c.label else { return .failure(Unscorable("succeeded but has no label")) }
        guard label == 0 || label == 1 else { return .failure(Unscorable("label \(label) is neither 0 nor 1")) }
        guard let p = c.probability else { return .failure(Unscorable("succeeded without a probability (no model?)")) }
        guard p.isFinite else { return .failure(Unscorable("probability is not finite")) }
        return .success((label == 1, p))
    }

    struct Unscorable: Error { let reason: String; init(_ r: String) { reason = r } }

    static func run(_ r: RunInput, stageOrder: [String]) -> RunReport {
        let sets = datasets(r)
        let reports = sets.map { dataset(name: $0.0, cases: $0.1, stageOrder: stageOrder) }
        let all = sets.flatMap { $0.1 }
        var rate = jobsPerMinute(all)
        if rate == nil, let s = r.provenance.startedAt.flatMap(Timestamp.seconds),
           let e = r.provenance.finishedAt.flatMap(Timestamp.seconds), e > s {
            let finished = all.filter { $0.state.isFinished }.count
            rate = finished > 0 ? Double(finished) / ((e - s) / 60) : nil
        }
        return RunReport(name: r.name, variant: r.variant, provenance: r.provenance, datasets: reports,
                         jobsPerMinute: rate)
    }

    static func dataset(name: String, cases: [CaseInput], stageOrder: [String]) -> DatasetReport {
        var scores: [Double] = [], labels: [Bool] = [], scoredCases: [CaseInput] = []
        var unscored: [UnscoredCase] = []
        for c in cases {
            switch score(c) {
            case .success(let (l, p)): scores.append(p); labels.append(l); scoredCases.append(c)
            case .failure(let u): unscored.append(UnscoredCase(caseId: c.caseId, state: c.state, label: c.label, reason: u.reason))
            }
        }
        let m = labels.filter { $0 }.count, n = labels.count - m
        var auc: AUCEstimate? = nil, reason: String? = nil
        var roc: [ROCPoint] = [], youden: OperatingPoint? = nil, half: OperatingPoint? = nil
        if m == 0 || n == 0 {
            reason = labels.isEmpty ? "AUC undefined: no scored cases"
                : "AUC undefined: only one class among the \(labels.count) scored cases (\(m) positive, \(n) negative)"
        } else {
            roc = (try? ROC.curve(scores: scores, labels: labels)) ?? []
            youden = try? ROC.youden(scores: scores, labels: labels)
            half = try? ROC.operatingPoint(scores: scores, labels: labels, threshold: 0.5)
            if m < 2 || n < 2 {
                reason = "AUC undefined: DeLong needs ≥ 2 scored cases per class (\(m) positive, \(n) negative)"
            } else {
                do { auc = try DeLong.estimate(scores: scores, labels: labels) } catch {
                    reason = "AUC undefined: \(error)"
                }
            }
        }
        var report = DatasetReport(
            dataset: name, cases: cases.count,
            positives: cases.filter { $0.label == 1 }.count, negatives: cases.filter { $0.label == 0 }.count,
            succeeded: cases.filter { $0.state == .succeeded }.count,
            failed: cases.filter { $0.state == .failed }.count,
            pending: cases.filter { $0.state.isPending }.count,
            cancelled: cases.filter { $0.state == .cancelled }.count,
            scored: labels.count, scoredPositives: m, scoredNegatives: n,
            auc: auc, aucUndefinedReason: reason, roc: roc, youden: youden, atHalf: half,
            timings: timings(cases.filter { $0.state == .succeeded }, stageOrder: stageOrder),
            jobsPerMinute: jobsPerMinute(cases), unscored: unscored,
            gallery: youden.map { gallery(scoredCases, scores, labels, threshold: $0.threshold) } ?? [])
        report.camLocalisation = CAMLocalisation.of(cases)
        return report
    }
}
