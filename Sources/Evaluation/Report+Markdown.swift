import Foundation

/// Markdown rendering (report.md).
extension Report {
    /// The report as GitHub-flavoured Markdown: summary, comparison, per-dataset details (counts,
    /// AUC, operating points, timings, every unscored case with its reason, gallery links),
    /// provenance and methods. Deterministic: same report → same bytes.
    public func markdown() -> String {
        var s = "# \(MD.cell(title))\n\n"
        s += runs.enumerated().map { i, r in (i == 0 ? "Run" : "Compared with") + " **\(MD.cell(r.label))**" }
            .joined(separator: " · ") + "\n\n"
        s += "## Summary\n\n" + MD.table(Self.summaryHeaders, summaryRows(), right: [2, 3, 4, 6, 7])
        if !comparisons.isEmpty {
            s += "\n## Paired comparison (DeLong)\n\n" + MD.table(Self.comparisonHeaders, comparisonRows(), right: [2, 3, 4, 6, 7])
        }
        let notes = undefinedNotes()
        if !notes.isEmpty { s += "\n" + notes.map { "- \(MD.cell($0))\n" }.joined() }
        let cam = camLocalisationLines()
        if !cam.isEmpty {
            s += "\n## Where the network looked\n\nClass-activation peak within a few pixels of the ground-truth ligament, over the correctly flagged tears (P ≥ 0.5):\n\n"
                + cam.map { "- \(MD.cell($0))\n" }.joined()
        }
        for name in Set(runs.flatMap { $0.datasets.map(\.dataset) }).sorted() {
            s += "\n## Dataset \(MD.cell(name))\n"
            for run in runs {
                guard let d = run.datasets.first(where: { $0.dataset == name }) else { continue }
                s += "\n### \(MD.cell(run.label))\n\n" + datasetMarkdown(d)
            }
        }
        s += "\n## Provenance\n"
        for run in runs { s += provenanceMarkdown(run) }
        s += "\n## Methods\n\n" + methods.map { "- \($0)\n" }.joined()
        return s
    }

    func datasetMarkdown(_ d: DatasetReport) -> String {
        var s = "- Cases: \(d.cases) (\(d.positives) positive, \(d.negatives) negative); succeeded \(d.succeeded), "
            + "failed \(d.failed), pending \(d.pending), cancelled \(d.cancelled)\n"
        s += "- Scored: \(d.scored) (\(d.scoredPositives) positive, \(d.scoredNegatives) negative)\n"
        if let a = d.auc {
            s += "- AUC \(Fixed.format(a.auc, 3)), 95% CI [\(Fixed.format(a.lower, 3)), \(Fixed.format(a.upper, 3))] "
                + "(DeLong, SE \(Fixed.format(a.standardError, 4)))"
            if let lo = a.logitLower, let hi = a.logitUpper {
                s += "; logit-scale CI [\(Fixed.format(lo, 3)), \(Fixed.format(hi, 3))]"
            }
            s += "\n"
        } else {
            s += "- \(MD.cell(d.aucUndefinedReason ?? "AUC undefined"))\n"
        }
        if let r = d.jobsPerMinute { s += "- Throughput: \(Fixed.format(r, 1)) jobs/min\n" }
        let ops = [("Youden", d.youden), ("p ≥ 0.5", d.atHalf)].compactMap { n, o in o.map { (n, $0) } }
        if !ops.isEmpty {
            s += "\n" + MD.table(["Operating point", "Threshold", "Sensitivity", "Specificity", "TP", "FP", "TN", "FN"],
                                 ops.map { n, o in Self.operatingRow(n, o) }, right: [1, 2, 3, 4, 5, 6, 7])
        }
        if !d.roc.isEmpty { s += "\nROC curve: \(d.roc.count) points (report.json, report.html).\n" }
        if !d.timings.isEmpty {
            s += "\n" + MD.table(["Stage", "n", "p50 ms", "p95 ms", "max ms"], d.timings.map(Self.timingRow), right: [1, 2, 3, 4])
        }
        if !d.unscored.isEmpty {
            s += "\nNot scored (\(d.unscored.count)):\n\n"
                + MD.table(["Case", "State", "Label", "Reason"],
                           d.unscored.map { [$0.caseId, $0.state.rawValue, $0.label.map { "\($0)" } ?? "–", $0.reason] }, right: [])
        }
        if !d.gallery.isEmpty {
            s += "\nGallery (Youden threshold):\n\n" + MD.table(["Cell", "Case", "Label", "p", "Preview", "CAM"], d.gallery.map { g in
                [g.cell, g.caseId, "\(g.label)", Fixed.format(g.probability, 3),
                 g.previewPath.map { "![preview](\(MD.link($0)))" } ?? "–", g.camPath.map { "![CAM](\(MD.link($0)))" } ?? "–"]
            }, right: [2, 3])
        }
        return s
    }

    func provenanceMarkdown(_ r: RunReport) -> String {
        let p = r.provenance
        var s = "\n### \(MD.cell(r.label))\n\n"
        s += MD.table(["Field", "Value"], Self.provenanceRows(r), right: [])
        s += "\nConfiguration:\n\n```json\n\(p.configJSON.replacingOccurrences(of: "```", with: "` ` `"))\n```\n"
        return s
    }

    static func provenanceRows(_ r: RunReport) -> [[String]] {
        let p = r.provenance
        var rows = [["Run", r.name], ["Variant", r.variant ?? "–"], ["Code version", p.codeVersion],
                    ["Config SHA-256", p.configSHA256], ["Model SHA-256", p.modelSHA256 ?? "– (no model)"],
                    ["Manifest SHA-256", p.manifestSHA256 ?? "–"],
                    ["Time range", "\(p.startedAt ?? "?") → \(p.finishedAt ?? "?")"]]
        if let j = r.jobsPerMinute { rows.append(["Jobs/min (run)", Fixed.format(j, 1)]) }
        if p.computedJobs != nil || p.reusedJobs != nil {
            rows.append(["Preprocessing", "\(p.computedJobs ?? 0) jobs computed, \(p.reusedJobs ?? 0) reused from the stage cache"])
        }
        return rows
    }

    static func operatingRow(_ name: String, _ o: OperatingPoint) -> [String] {
        [name, Fixed.format(o.threshold, 3), Fixed.format(o.sensitivity, 3), Fixed.format(o.specificity, 3),
         "\(o.confusion.truePositives)", "\(o.confusion.falsePositives)",
         "\(o.confusion.trueNegatives)", "\(o.confusion.falseNegatives)"]
    }

    static func timingRow(_ t: StageTiming) -> [String] {
        [t.stage, "\(t.count)", Fixed.format(t.p50, 1), Fixed.format(t.p95, 1), Fixed.format(t.max, 1)]
    }
}

/// Markdown escaping helpers.
enum MD {
    /// Text safe inside a table cell or heading: pipes escaped, newlines flattened.
    static func cell(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "|", with: "\\|")
            .replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
    }

    /// A relative path usable as a link target (spaces and parentheses percent-encoded).
    static func link(_ s: String) -> String {
        s.replacingOccurrences(of: " ", with: "%20").replacingOccurrences(of: "(", with: "%28")
            .replacingOccurrences(of: ")", with: "%29")
    }

    static func table(_ headers: [String], _ rows: [[String]], right: Set<Int>) -> String {
        var s = "| " + headers.map(cell).joined(separator: " | ") + " |\n"
        s += "|" + headers.indices.map { right.contains($0) ? "---:|" : "---|" }.joined() + "\n"
        for r in rows { s += "| " + r.map(cell).joined(separator: " | ") + " |\n" }
        return s
    }
}
