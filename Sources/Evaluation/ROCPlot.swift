/// Inline SVG ROC plots (no scripts, no external resources).
enum ROCPlot {
    /// One curve: legend text, points, colour, and an optional marked operating point.
    struct Series {
        let label: String
        let points: [ROCPoint]
        let color: String
        let marker: OperatingPoint?
    }

    static let left = 58.0, top = 14.0, size = 360.0, width = 440.0, height = 436.0

    static func px(_ x: Double) -> String { Fixed.format(left + x * size, 2) }
    static func py(_ y: Double) -> String { Fixed.format(top + (1 - y) * size, 2) }

    /// A square ROC plot: FPR on x, TPR on y, grid and ticks every 0.2, the chance diagonal, one
    /// polyline per series, Youden points as circles, and a legend (label with AUC) bottom right.
    static func svg(_ series: [Series], title: String) -> String {
        let bottom = top + size
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" "
            + "width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\" class=\"roc\">\n"
        s += "<title>\(HTML.escape(title))</title>\n"
        s += "<rect x=\"\(px(0))\" y=\"\(py(1))\" width=\"\(Int(size))\" height=\"\(Int(size))\" fill=\"#ffffff\"/>\n"
        for k in 0...5 {
            let v = Double(k) / 5
            let label = Fixed.format(v, 1)
            if k > 0 && k < 5 {
                s += "<line x1=\"\(px(v))\" y1=\"\(py(0))\" x2=\"\(px(v))\" y2=\"\(py(1))\" stroke=\"#e5e7eb\"/>\n"
                s += "<line x1=\"\(px(0))\" y1=\"\(py(v))\" x2=\"\(px(1))\" y2=\"\(py(v))\" stroke=\"#e5e7eb\"/>\n"
            }
            s += "<line x1=\"\(px(v))\" y1=\"\(Fixed.format(bottom, 2))\" x2=\"\(px(v))\" y2=\"\(Fixed.format(bottom + 5, 2))\" stroke=\"#6b7280\"/>\n"
            s += "<line x1=\"\(Fixed.format(left - 5, 2))\" y1=\"\(py(v))\" x2=\"\(px(0))\" y2=\"\(py(v))\" stroke=\"#6b7280\"/>\n"
            s += "<text x=\"\(px(v))\" y=\"\(Fixed.format(bottom + 19, 2))\" text-anchor=\"middle\" class=\"tick\">\(label)</text>\n"
            s += "<text x=\"\(Fixed.format(left - 9, 2))\" y=\"\(py(v))\" text-anchor=\"end\" dominant-baseline=\"middle\" class=\"tick\">\(label)</text>\n"
        }
        s += "<rect x=\"\(px(0))\" y=\"\(py(1))\" width=\"\(Int(size))\" height=\"\(Int(size))\" fill=\"none\" stroke=\"#6b7280\"/>\n"
        s += "<line x1=\"\(px(0))\" y1=\"\(py(0))\" x2=\"\(px(1))\" y2=\"\(py(1))\" stroke=\"#9ca3af\" stroke-dasharray=\"5 4\"/>\n"
        s += "<text x=\"\(px(0.5))\" y=\"\(Fixed.format(bottom + 40, 2))\" text-anchor=\"middle\" class=\"axis\">1 − specificity (false positive rate)</text>\n"
        s += "<text transform=\"translate(16 \(py(0.5))) rotate(-90)\" text-anchor=\"middle\" class=\"axis\">Sensitivity (true positive rate)</text>\n"
        for serie in series where !serie.points.isEmpty {
            let pts = serie.points.map { "\(px($0.falsePositiveRate)),\(py($0.truePositiveRate))" }.joined(separator: " ")
            s += "<polyline points=\"\(pts)\" fill=\"none\" stroke=\"\(serie.color)\" stroke-width=\"2.2\" stroke-linejoin=\"round\"/>\n"
            if let m = serie.marker {
                s += "<circle cx=\"\(px(1 - m.specificity))\" cy=\"\(py(m.sensitivity))\" r=\"4.5\" fill=\"#ffffff\" "
                    + "stroke=\"\(serie.color)\" stroke-width=\"2\"><title>Youden threshold \(Fixed.format(m.threshold, 3))</title></circle>\n"
            }
        }
        // Legend: bottom right inside the plot; width estimated from the longest label.
        let longest = series.map { $0.label.count }.max() ?? 0
        let w = Double(longest) * 6.6 + 40, h = Double(series.count) * 18 + 10
        let lx = left + size - w - 8, ly = bottom - h - 8
        if !series.isEmpty {
            s += "<rect x=\"\(Fixed.format(lx, 2))\" y=\"\(Fixed.format(ly, 2))\" width=\"\(Fixed.format(w, 2))\" height=\"\(Fixed.format(h, 2))\" "
                + "rx=\"4\" fill=\"#ffffff\" fill-opacity=\"0.92\" stroke=\"#d1d5db\"/>\n"
        }
        for (i, serie) in series.enumerated() {
            let y = ly + 14 + Double(i) * 18
            s += "<line x1=\"\(Fixed.format(lx + 8, 2))\" y1=\"\(Fixed.format(y, 2))\" x2=\"\(Fixed.format(lx + 28, 2))\" y2=\"\(Fixed.format(y, 2))\" "
                + "stroke=\"\(serie.color)\" stroke-width=\"3\"/>\n"
            s += "<text x=\"\(Fixed.format(lx + 34, 2))\" y=\"\(Fixed.format(y, 2))\" dominant-baseline=\"middle\" class=\"legend\">\(HTML.escape(serie.label))</text>\n"
        }
        return s + "</svg>\n"
    }
}

/// HTML escaping.
enum HTML {
    /// Escapes &, <, >, " and ' for text and attribute values.
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }
}
