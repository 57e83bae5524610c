import Foundation

/// Text conversion of `timestamptz` values in PostgreSQL's ISO output style
/// (`2026-11-28 05:31:45.123456+00`, offsets like `+05:30` accepted).
enum PostgresTimestamp {
    static func format(_ date: Date) -> String {
        let t = date.timeIntervalSince1970
        var secs = Int64(t.rounded(.down))
        var micros = Int64(((t - Double(secs)) * 1_000_000).rounded())
        if micros >= 1_000_000 { secs += 1; micros -= 1_000_000 }
        var tt = time_t(secs)
        var tmv = tm()
        gmtime_r(&tt, &tmv)
        func pad(_ v: Int32, _ n: Int) -> String {
            let s = String(v); return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        let frac = String(micros)
        return "\(pad(tmv.tm_year + 1900, 4))-\(pad(tmv.tm_mon + 1, 2))-\(pad(tmv.tm_mday, 2)) "
            + "\(pad(tmv.tm_hour, 2)):\(pad(tmv.tm_min, 2)):\(pad(tmv.tm_sec, 2))."
            + String(repeating: "0", count: 6 - frac.count) + frac + "+00"
    }

    static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8)
        var i = 0
        func num(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1; return true
        }
        guard let y = num(4), expect(45), let mo = num(2), expect(45), let d = num(2),
              expect(32) || expect(84), let h = num(2), expect(58), let mi = num(2), expect(58),
              let s = num(2) else { return nil }
        var frac = 0.0
        if i < b.count, b[i] == 46 {
            i += 1
            var scale = 0.1
            while i < b.count, b[i] >= 48, b[i] <= 57 { frac += Double(b[i] - 48) * scale; scale /= 10; i += 1 }
        }
        var offset = 0
        if i < b.count, b[i] == 43 || b[i] == 45 {
            let sign = b[i] == 45 ? -1 : 1
            i += 1
            guard let oh = num(2) else { return nil }
            var om = 0, os = 0
            if expect(58) { guard let v = num(2) else { return nil }; om = v }
            if expect(58) { guard let v = num(2) else { return nil }; os = v }
            offset = sign * (oh * 3600 + om * 60 + os)
        } else if i < b.count, b[i] == 90 { i += 1 }
        guard i == b.count else { return nil }
        var tmv = tm()
        tmv.tm_year = Int32(y - 1900); tmv.tm_mon = Int32(mo - 1); tmv.tm_mday = Int32(d)
        tmv.tm_hour = Int32(h); tmv.tm_min = Int32(mi); tmv.tm_sec = Int32(s)
        let epoch = timegm(&tmv)
        return Date(timeIntervalSince1970: Double(epoch - offset) + frac)
    }
}
