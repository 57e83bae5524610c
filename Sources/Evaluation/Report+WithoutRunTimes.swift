/// A view of the report without what depends on wall-clock time.
extension Report {
    /// The same report with stage timings, jobs/min, the provenance time ranges and the work
    /// record (jobs computed / reused from the stage cache) removed: what remains (counts, AUCs,
    /// intervals, ROC curves, operating points, unscored cases, gallery, paired tests) depends
    /// only on the cases' results, so it must be byte-identical however many workers ran, in
    /// whichever order, and whether the preprocessing was computed or reused — e.g. compare
    /// `withoutRunTimes().json()` of a 1-worker and a 3-worker run of the same inputs.
    public func withoutRunTimes() -> Report {
        Report(title: title, runs: runs.map { r in
            var p = r.provenance
            p.startedAt = nil
            p.finishedAt = nil
            p.computedJobs = nil
            p.reusedJobs = nil
            return RunReport(name: r.name, variant: r.variant, provenance: p, datasets: r.datasets.map { d in
                var out = DatasetReport(dataset: d.dataset, cases: d.cases, positives: d.positives, negatives: d.negatives,
                              succeeded: d.succeeded, failed: d.failed, pending: d.pending, cancelled: d.cancelled,
                              scored: d.scored, scoredPositives: d.scoredPositives, scoredNegatives: d.scoredNegatives,
                              auc: d.auc, aucUndefinedReason: d.aucUndefinedReason, roc: d.roc, youden: d.youden,
                              atHalf: d.atHalf, timings: [], jobsPerMinute: nil, unscored: d.unscored, gallery: d.gallery)
                out.camLocalisation = d.camLocalisation
                return out
            }, jobsPerMinute: nil)
        }, comparisons: comparisons, methods: methods)
    }
}
