/// Shared cell texts and the plain-text summary for the terminal.
extension Report {
    /// The summary as aligned plain text (what `kneeflow report` and `kneeflow demo` print):
    /// one row per dataset and run — dataset, run (variant), n, positives, scored, AUC [95% CI],
    /// failed, pending — then, with a comparison, one row per dataset with ΔAUC and DeLong's p.
    public func summaryTable() -> String {
        var out = TextTable.render(headers: Self.summaryHeaders, rows: summaryRows(), rightAligned: [2, 3, 4, 6, 7])
        if !comparisons.isEmpty {
            out += "\n" + TextTable.render(headers: Self.comparisonHeaders, rows: comparisonRows(), rightAligned: [2, 3, 4, 6, 7])
        }
        let notes = undefinedNotes()
        if !notes.isEmpty { out += "\n" + notes.map { $0 + "\n" }.joined() }
        let cam = camLocalisationLines()
        if !cam.isEmpty { out += "\n" + cam.map { $0 + "\n" }.joined() }
        return out
    }

    /// "CAM on the ligament, site-a / run: 25 of 29 correctly flagged tears (86 %)" per dataset and
    /// run that has the figure.
    func camLocalisationLines() -> [String] {
        var out: [String] = []
        for run in runs {
            for d in run.datasets.sorted(by: { $0.dataset < $1.dataset }) {
                guard let c = d.camLocalisation else { continue }
                let share = c.share.map { " (\(Fixed.format($0 * 100, 0)) %)" } ?? ""
                out.append("CAM peak on the ligament, \(d.dataset) / \(run.label): \(c.onLigament) of \(c.flagged) correctly flagged tears\(share)")
            }
        }
        return out
    }

    /// One line per undefined AUC or paired test, with its reason ("site-c / run: AUC undefined: …").
    func undefinedNotes() -> [String] {
        var out: [String] = []
        for name in Set(runs.flatMap { $0.datasets.map(\.dataset) }).sorted() {
            for run in runs {
                guard let d = run.datasets.first(where: { $0.dataset == name }), d.auc == nil else { continue }
                out.append("\(name) / \(run.label): \(d.aucUndefinedReason ?? "AUC undefined")")
            }
            if let c = comparisons.first(where: { $0.dataset == name }), let r = c.undefinedReason {
                out.append("\(name) / \(c.run1) − \(c.run2): \(r)")
            }
        }
        return out
    }

    static let summaryHeaders = ["Dataset", "Run", "n", "Positives", "Scored", "AUC [95% CI]", "Failed", "Pending"]
    static let comparisonHeaders = ["Dataset", "Runs (1 − 2)", "Paired n", "AUC 1", "AUC 2", "ΔAUC [95% CI]", "z", "p"]

    /// Summary rows grouped by dataset, runs in report order.
    func summaryRows() -> [[String]] {
        let names = Set(runs.flatMap { $0.datasets.map(\.dataset) }).sorted()
        var rows: [[String]] = []
        for name in names {
            for run in runs {
                guard let d = run.datasets.first(where: { $0.dataset == name }) else { continue }
                rows.append([name, run.label, "\(d.cases)", "\(d.positives)", "\(d.scored)", Self.aucText(d),
                             "\(d.failed)", "\(d.pending)"])
            }
        }
        return rows
    }

    func comparisonRows() -> [[String]] {
        comparisons.map { c in
            let runs = "\(c.run1) − \(c.run2)"
            guard let t = c.test, c.undefinedReason == nil else {
                return [c.dataset, runs, "\(c.paired)", "", "", "undefined", "", ""]
            }
            return [c.dataset, runs, "\(c.paired)", Fixed.format(t.auc1, 3), Fixed.format(t.auc2, 3),
                    "\(Fixed.format(t.difference, 3)) [\(Fixed.format(t.lower, 3)), \(Fixed.format(t.upper, 3))]",
                    t.z.map { Fixed.format($0, 2) } ?? "", t.p.map(Fixed.pValue) ?? ""]
        }
    }

    /// "0.824 [0.749, 0.899]" or "undefined".
    static func aucText(_ d: DatasetReport) -> String {
        guard let a = d.auc else { return "undefined" }
        return "\(Fixed.format(a.auc, 3)) [\(Fixed.format(a.lower, 3)), \(Fixed.format(a.upper, 3))]"
    }
}

/// Monospace table layout for terminals.
enum TextTable {
    /// Columns padded to their widest cell (counted in Characters); `rightAligned` column indices
    /// are padded on the left. Every line ends with "\n"; no trailing spaces.
    static func render(headers: [String], rows: [[String]], rightAligned: Set<Int>) -> String {
        let all = [headers] + rows
        var widths = [Int](repeating: 0, count: headers.count)
        for r in all { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        func line(_ r: [String]) -> String {
            var cells: [String] = []
            for i in 0..<widths.count {
                let c = i < r.count ? r[i] : ""
                let pad = String(repeating: " ", count: widths[i] - c.count)
                cells.append(rightAligned.contains(i) ? pad + c : c + pad)
            }
            var s = cells.joined(separator: "  ")
            while s.last == " " { s.removeLast() }
            return s + "\n"
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
        return line(headers) + rule + rows.map(line).joined()
    }
}
