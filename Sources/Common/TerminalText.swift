/// Text from users and data (case ids, dataset and run names, file paths, error messages) made
/// safe to print on a terminal.
/// Why: a case id or an error message read back from the database is arbitrary text; printed raw,
/// an ESC sequence in it can move the cursor, rewrite earlier lines, retitle the window or hide
/// output, and a NUL, CR or backspace can make one line look like another. Every control
/// character — C0 (U+0000–U+001F, including tab, CR and LF), DEL (U+007F) and C1 (U+0080–U+009F,
/// whose U+009B is a one-character CSI) — is replaced by a visible escape, so an escape sequence
/// loses its introducer and prints as plain text. The backslash itself is escaped too, so the
/// output is unambiguous: `\x1b` always means the control byte, `\\x1b` the four characters.
public enum TerminalText {
    /// `s` with every control character escaped: `\n`, `\r`, `\t`, `\\`, other C0/DEL/C1 as
    /// `\xNN` (C0, DEL) or `\u{NN}` (C1). Printable characters, including non-ASCII letters
    /// and emoji, are kept as they are.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u.value {
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x00...0x1F, 0x7F: out += "\\x" + hex2(u.value)
            case 0x80...0x9F: out += "\\u{" + hex2(u.value) + "}"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// Whether `s` holds a character PostgreSQL text cannot store (NUL).
    public static func containsNUL(_ s: String) -> Bool { s.utf8.contains(0) }

    private static func hex2(_ v: UInt32) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(v >> 4)], digits[Int(v & 0xF)]])
    }
}
