import Foundation

/// Self-contained HTML rendering (report.html).
extension Report {
    static let runColors = ["#1d4ed8", "#dc2626", "#059669", "#7c3aed"]

    /// The report as one self-contained HTML page: inline CSS, inline SVG ROC curves (all runs of
    /// a dataset overlaid, AUC in the legend, Youden points marked), tables, a gallery of previews
    /// and CAM overlays per confusion cell (relative image paths), provenance and methods.
    /// No scripts, no external resources, no "now": same report → same bytes.
    public func html() -> String {
        let names = Set(runs.flatMap { $0.datasets.map(\.dataset) }).sorted()
        var s = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        s += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        s += "<title>\(HTML.escape(title))</title>\n<style>\n\(HTMLStyle.css)\n</style>\n</head>\n<body>\n<main>\n"
        s += "<header>\n<h1>\(HTML.escape(title))</h1>\n<p class=\"sub\">"
        s += runs.enumerated().map { i, r in
            "<span class=\"swatch\" style=\"background:\(Self.color(i))\"></span>" + (i == 0 ? "Run " : "compared with ")
                + "<strong>\(HTML.escape(r.label))</strong>"
        }.joined(separator: " &nbsp;·&nbsp; ")
        s += " &nbsp;·&nbsp; code \(HTML.escape(runs.first?.provenance.codeVersion ?? "?"))</p>\n<nav>"
        s += "<a href=\"#summary\">Summary</a>"
        for (i, n) in names.enumerated() { s += "<a href=\"#dataset-\(i)\">\(HTML.escape(n))</a>" }
        s += "<a href=\"#provenance\">Provenance</a><a href=\"#methods\">Methods</a></nav>\n</header>\n"

        s += "<section class=\"card\" id=\"summary\">\n<h2>Summary</h2>\n"
        s += Self.htmlTable(Self.summaryHeaders, summaryRows(), right: [2, 3, 4, 6, 7])
        if !comparisons.isEmpty {
            s += "<h3>Paired comparison (DeLong)</h3>\n"
            s += Self.htmlTable(Self.comparisonHeaders, comparisonRows(), right: [2, 3, 4, 6, 7])
        }
        let notes = undefinedNotes()
        if !notes.isEmpty { s += "<ul class=\"notes\">\n" + notes.map { "<li class=\"undefined\">\(HTML.escape($0))</li>\n" }.joined() + "</ul>\n" }
        s += "</section>\n"
        for (i, name) in names.enumerated() { s += datasetHTML(name, anchor: "dataset-\(i)") }
        s += "<section class=\"card\" id=\"provenance\">\n<h2>Provenance</h2>\n"
        for r in runs {
            s += "<h3>\(HTML.escape(r.label))</h3>\n"
            s += "<table>\n" + Self.provenanceRows(r).map { row in
                "<tr><th>\(HTML.escape(row[0]))</th><td class=\"mono\">\(HTML.escape(row[1]))</td></tr>\n"
            }.joined() + "</table>\n"
            s += "<details><summary>Configuration JSON</summary><pre>\(HTML.escape(r.provenance.configJSON))</pre></details>\n"
        }
        s += "</section>\n<section class=\"card\" id=\"methods\">\n<h2>Methods</h2>\n<ul class=\"methods\">\n"
        s += methods.map { "<li>\(HTML.escape($0))</li>\n" }.joined()
        s += "</ul>\n</section>\n</main>\n</body>\n</html>\n"
        return s
    }

    static func color(_ i: Int) -> String { runColors[i % runColors.count] }

    func datasetHTML(_ name: String, anchor: String) -> String {
        let present: [(Int, RunReport, DatasetReport)] = runs.enumerated().compactMap { i, r in
            r.datasets.first(where: { $0.dataset == name }).map { (i, r, $0) }
        }
        var s = "<section class=\"card\" id=\"\(anchor)\">\n<h2>Dataset \(HTML.escape(name))</h2>\n<div class=\"plot-grid\">\n"
        let series = present.map { i, r, d in
            ROCPlot.Series(label: "\(r.label) · AUC " + (d.auc.map { Self.aucShort($0) } ?? "undefined"),
                           points: d.roc, color: Self.color(i), marker: d.youden)
        }
        s += "<div>\n" + ROCPlot.svg(series, title: "ROC curves, dataset \(name)") + "</div>\n<div>\n"
        // Key numbers: one column per run.
        var rows: [[String]] = []
        func row(_ label: String, _ f: (DatasetReport) -> String) { rows.append([label] + present.map { f($0.2) }) }
        row("Cases") { "\($0.cases)" }
        row("Positives / negatives") { "\($0.positives) / \($0.negatives)" }
        row("Succeeded") { "\($0.succeeded)" }
        row("Failed") { "\($0.failed)" }
        row("Pending / cancelled") { "\($0.pending) / \($0.cancelled)" }
        row("Scored (pos / neg)") { "\($0.scored) (\($0.scoredPositives) / \($0.scoredNegatives))" }
        row("AUC [95% CI]") { Self.aucText($0) }
        row("SE (DeLong)") { $0.auc.map { Fixed.format($0.standardError, 4) } ?? "–" }
        row("Logit-scale CI") { d in
            guard let lo = d.auc?.logitLower, let hi = d.auc?.logitUpper else { return "–" }
            return "[\(Fixed.format(lo, 3)), \(Fixed.format(hi, 3))]"
        }
        row("Jobs/min") { $0.jobsPerMinute.map { Fixed.format($0, 1) } ?? "–" }
        let headers = [""] + present.map { i, r, _ in "<span class=\"swatch\" style=\"background:\(Self.color(i))\"></span>" + HTML.escape(r.label) }
        s += Self.htmlTable(headers, rows, right: Set(1...max(1, present.count)), rawHeaders: true)
        for (_, r, d) in present where d.auc == nil {
            s += "<p class=\"undefined\">\(HTML.escape(r.label)): \(HTML.escape(d.aucUndefinedReason ?? "AUC undefined"))</p>\n"
        }
        if let c = comparisons.first(where: { $0.dataset == name }) {
            s += "<h3>Paired DeLong test</h3>\n"
            if let t = c.test, c.undefinedReason == nil {
                s += "<p>ΔAUC (\(HTML.escape(c.run1)) − \(HTML.escape(c.run2))) = <strong>\(Fixed.format(t.difference, 3))</strong>, "
                    + "95% CI [\(Fixed.format(t.lower, 3)), \(Fixed.format(t.upper, 3))], z = \(t.z.map { Fixed.format($0, 2) } ?? "–"), "
                    + "<span class=\"pvalue\">\(Self.pText(t.p))</span> on \(c.paired) cases scored in both runs "
                    + "(AUCs on these: \(Fixed.format(t.auc1, 3)) vs \(Fixed.format(t.auc2, 3)); "
                    + "\(c.scoredInOneRunOnly) scored in one run only, \(c.labelMismatches) label mismatches left out).</p>\n"
            } else {
                s += "<p class=\"undefined\">\(HTML.escape(c.undefinedReason ?? "undefined")) (\(c.paired) paired cases)</p>\n"
            }
        }
        s += "</div>\n</div>\n"
        s += detailsHTML(present)
        return s + "</section>\n"
    }

    func detailsHTML(_ present: [(Int, RunReport, DatasetReport)]) -> String {
        var s = ""
        var ops: [[String]] = []
        for (_, r, d) in present {
            if let y = d.youden { ops.append([r.label] + Self.operatingRow("Youden", y)) }
            if let h = d.atHalf { ops.append([r.label] + Self.operatingRow("p ≥ 0.5", h)) }
        }
        if !ops.isEmpty {
            s += "<h3>Operating points</h3>\n"
            s += Self.htmlTable(["Run", "Operating point", "Threshold", "Sensitivity", "Specificity", "TP", "FP", "TN", "FN"],
                                ops, right: [2, 3, 4, 5, 6, 7, 8])
        }
        let timing = present.flatMap { _, r, d in d.timings.map { [r.label] + Self.timingRow($0) } }
        if !timing.isEmpty {
            s += "<h3>Stage timings (ms, nearest-rank percentiles)</h3>\n"
            s += Self.htmlTable(["Run", "Stage", "n", "p50", "p95", "max"], timing, right: [2, 3, 4, 5])
        }
        let unscored = present.flatMap { _, r, d in d.unscored.map { (r.label, $0) } }
        if !unscored.isEmpty {
            s += "<h3>Not scored (\(unscored.count))</h3>\n<table>\n<tr><th>Run</th><th>Case</th><th>State</th><th>Label</th><th>Reason</th></tr>\n"
            for (run, u) in unscored {
                s += "<tr\(u.state == .failed ? " class=\"failed\"" : "")><td>\(HTML.escape(run))</td><td class=\"mono\">\(HTML.escape(u.caseId))</td>"
                    + "<td class=\"state\">\(HTML.escape(u.state.rawValue))</td><td>\(u.label.map { "\($0)" } ?? "–")</td><td>\(HTML.escape(u.reason))</td></tr>\n"
            }
            s += "</table>\n"
        }
        for (_, r, d) in present where !d.gallery.isEmpty {
            s += "<h3>Gallery · \(HTML.escape(r.label)) · Youden threshold \(d.youden.map { Fixed.format($0.threshold, 3) } ?? "–")</h3>\n"
            s += "<div class=\"gallery\">\n"
            for cell in ["TP", "FP", "TN", "FN"] {
                let items = d.gallery.filter { $0.cell == cell }
                s += "<div class=\"cell\"><h4><span class=\"badge \(cell)\">\(cell)</span> \(Self.cellTitle(cell))</h4>\n"
                if items.isEmpty { s += "<p class=\"sub\">none</p>\n" }
                for g in items {
                    s += "<figure><div class=\"pair\">\(Self.image(g.previewPath, kind: "preview", caseId: g.caseId))"
                        + "\(Self.image(g.camPath, kind: "CAM", caseId: g.caseId))</div>"
                        + "<figcaption><span class=\"mono\">\(HTML.escape(g.caseId))</span> · prob. \(Fixed.format(g.probability, 3))"
                        + " · label \(g.label)</figcaption></figure>\n"
                }
                s += "</div>\n"
            }
            s += "</div>\n"
        }
        return s
    }

    /// "p = 0.0272", "p < 0.0001" or "p undefined".
    static func pText(_ p: Double?) -> String {
        guard let p else { return "p undefined" }
        return p < 0.0001 ? "p < 0.0001" : "p = " + Fixed.pValue(p)
    }

    static func cellTitle(_ cell: String) -> String {
        ["TP": "true positives", "FP": "false positives", "TN": "true negatives", "FN": "false negatives"][cell] ?? ""
    }

    /// An image tile with a small corner tag ("preview" / "CAM"), or a placeholder without a path.
    static func image(_ path: String?, kind: String, caseId: String) -> String {
        guard let p = path else { return "<div class=\"tile\"><div class=\"noimg\">no \(kind)</div></div>" }
        let src = p.replacingOccurrences(of: " ", with: "%20")
        return "<div class=\"tile\"><img src=\"\(HTML.escape(src))\" alt=\"\(kind) \(HTML.escape(caseId))\" loading=\"lazy\">"
            + "<span class=\"tag\">\(kind)</span></div>"
    }

    static func aucShort(_ a: AUCEstimate) -> String {
        "\(Fixed.format(a.auc, 3)) [\(Fixed.format(a.lower, 3)), \(Fixed.format(a.upper, 3))]"
    }

    /// A table; cells are escaped unless `rawHeaders` (then headers are trusted HTML we built).
    static func htmlTable(_ headers: [String], _ rows: [[String]], right: Set<Int>, rawHeaders: Bool = false) -> String {
        func cls(_ i: Int) -> String { right.contains(i) ? " class=\"num\"" : "" }
        var s = "<table>\n<tr>" + headers.enumerated().map { i, h in "<th\(cls(i))>\(rawHeaders ? h : HTML.escape(h))</th>" }.joined() + "</tr>\n"
        for r in rows { s += "<tr>" + r.enumerated().map { i, c in "<td\(cls(i))>\(HTML.escape(c))</td>" }.joined() + "</tr>\n" }
        return s + "</table>\n"
    }
}
