/// Locale-independent fixed-decimal formatting, so rendered reports are byte-identical everywhere.
public enum Fixed {
    /// `x` with exactly `decimals` digits after the point, rounded half away from zero
    /// (e.g. `format(0.8236, 3)` → "0.824", `format(-0.0004, 3)` → "0.000"). NaN → "NaN",
    /// ±∞ → "inf"/"-inf". Magnitudes beyond 9·10¹⁵ after scaling fall back to Swift's description.
    public static func format(_ x: Double, _ decimals: Int) -> String {
        guard x.isFinite else { return x.isNaN ? "NaN" : (x > 0 ? "inf" : "-inf") }
        let d = max(0, min(decimals, 12))
        var scale: UInt64 = 1
        for _ in 0..<d { scale *= 10 }
        let scaled = (Swift.abs(x) * Double(scale)).rounded(.toNearestOrAwayFromZero)
        guard scaled < 9e15 else { return "\(x)" }
        let n = UInt64(scaled)
        var s = String(n / scale)
        if d > 0 {
            let frac = String(n % scale)
            s += "." + String(repeating: "0", count: d - frac.count) + frac
        }
        return (x < 0 && n != 0) ? "-" + s : s
    }

    /// A p-value: 4 decimals, or "< 0.0001" below that.
    public static func pValue(_ p: Double) -> String {
        p < 0.0001 ? "< 0.0001" : format(p, 4)
    }
}

/// A minimal ISO-8601 / PostgreSQL timestamp parser (no Foundation formatters, no locale):
/// `YYYY-MM-DD[T| ]HH:MM[:SS[.fff…]][Z|±HH[:MM|MM]]`; a missing zone means UTC.
public enum Timestamp {
    /// Seconds since 1970-01-01T00:00:00Z, or `nil` when the text is not such a timestamp.
    public static func seconds(_ text: String) -> Double? {
        let c = Array(text.utf8)
        var i = 0
        func digits(_ count: Int) -> Int? {
            guard i + count <= c.count else { return nil }
            var v = 0
            for k in i..<(i + count) {
                guard c[k] >= 48 && c[k] <= 57 else { return nil }
                v = v * 10 + Int(c[k] - 48)
            }
            i += count
            return v
        }
        func expect(_ ch: UInt8) -> Bool {
            guard i < c.count, c[i] == ch else { return false }
            i += 1; return true
        }
        guard let y = digits(4), expect(45), let mo = digits(2), expect(45), let d = digits(2),
              (1...12).contains(mo), (1...31).contains(d) else { return nil }
        guard i < c.count, c[i] == 84 || c[i] == 116 || c[i] == 32 else { return nil }
        i += 1
        guard let h = digits(2), expect(58), let mi = digits(2), h < 24, mi < 60 else { return nil }
        var sec = 0.0
        if expect(58) {
            guard let s = digits(2), s <= 60 else { return nil }
            sec = Double(s)
            if expect(46) {
                var scale = 0.1
                while i < c.count, c[i] >= 48, c[i] <= 57 { sec += Double(c[i] - 48) * scale; scale /= 10; i += 1 }
            }
        }
        var offset = 0
        if i < c.count {
            if c[i] == 90 || c[i] == 122 { i += 1 } else if c[i] == 43 || c[i] == 45 {
                let sign = c[i] == 45 ? -1 : 1
                i += 1
                guard let oh = digits(2) else { return nil }
                var om = 0
                if expect(58) { guard let v = digits(2) else { return nil }; om = v }
                else if i < c.count { guard let v = digits(2) else { return nil }; om = v }
                offset = sign * (oh * 3600 + om * 60)
            } else { return nil }
        }
        guard i == c.count else { return nil }
        let days = daysFromCivil(y, mo, d)
        return Double(days * 86_400 + h * 3600 + mi * 60 - offset) + sec
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
