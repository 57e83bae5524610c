import XCTest
@testable import Common

/// `TerminalText.escape` against hand-written expectations: every control character becomes a
/// visible escape, printable text (ASCII and beyond) is unchanged.
final class TerminalTextTests: XCTestCase {
    func testPrintableTextIsUnchanged() {
        XCTAssertEqual(TerminalText.escape("case-001 semi;colon \"quoted\""), "case-001 semi;colon \"quoted\"")
        XCTAssertEqual(TerminalText.escape("Knie_Größe ✓ 膝 🦵"), "Knie_Größe ✓ 膝 🦵")
        XCTAssertEqual(TerminalText.escape(""), "")
    }

    func testC0DelAndBackslash() {
        XCTAssertEqual(TerminalText.escape("a\0b"), "a\\x00b")
        XCTAssertEqual(TerminalText.escape("line1\nline2\r\tx"), "line1\\nline2\\r\\tx")
        XCTAssertEqual(TerminalText.escape("\u{07}\u{08}\u{1F}\u{7F}"), "\\x07\\x08\\x1f\\x7f")
        XCTAssertEqual(TerminalText.escape("C:\\dir"), "C:\\\\dir")
        // An escaped string cannot be mistaken for an escape of a control byte.
        XCTAssertNotEqual(TerminalText.escape("\\x1b"), TerminalText.escape("\u{1B}"))
    }

    func testEscapeSequencesLoseTheirIntroducer() {
        // CSI clear screen, an OSC window title (BEL-terminated), and the one-character C1 CSI.
        XCTAssertEqual(TerminalText.escape("\u{1B}[2Jx"), "\\x1b[2Jx")
        XCTAssertEqual(TerminalText.escape("\u{1B}]0;pwned\u{07}"), "\\x1b]0;pwned\\x07")
        XCTAssertEqual(TerminalText.escape("\u{9B}31m\u{85}"), "\\u{9b}31m\\u{85}")
        // U+00A0 (first code point after C1) is printable and kept.
        XCTAssertEqual(TerminalText.escape("\u{A0}"), "\u{A0}")
        for v in UInt32(0)...0x9F {
            let s = String(Character(Unicode.Scalar(v)!))
            let out = TerminalText.escape(s)
            let isControl = v < 0x20 || (0x7F...0x9F).contains(v)
            XCTAssertEqual(out.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }, false, "U+\(v)")
            if !isControl && v != 0x5C { XCTAssertEqual(out, s) }
        }
    }

    func testContainsNUL() {
        XCTAssertTrue(TerminalText.containsNUL("a\0"))
        XCTAssertFalse(TerminalText.containsNUL("a\u{1B}"))
    }
}
