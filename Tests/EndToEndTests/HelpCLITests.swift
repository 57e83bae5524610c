import Foundation
import TestSupport
import XCTest

/// `--help` and `--version` reach ArgumentParser (a command group's `run()` throws its own error
/// for `--help`; the top-level error escaping must hand it over, not print it as an error).
final class HelpCLITests: XCTestCase {
    func testHelpAndVersionPrintAndExitZero() throws {
        try KneeflowBinary.require()
        for args in [["--help"], ["work", "--help"], ["db", "--help"], ["db", "login", "--help"], ["demo", "--help"]] {
            let out = try KneeflowBinary.run(args)
            XCTAssertEqual(out.status, 0, "\(args): \(out.stderr)")
            XCTAssertTrue(out.stdout.contains("USAGE:"), "\(args): \(out.stdout.prefix(300))")
            XCTAssertFalse(out.stderr.contains("Error"), "\(args): \(out.stderr)")
        }
        let db = try KneeflowBinary.run(["db"])
        XCTAssertTrue((db.stdout + db.stderr).contains("USAGE:"), db.stdout + db.stderr)
        let v = try KneeflowBinary.run(["--version"])
        XCTAssertEqual(v.status, 0)
        XCTAssertFalse(v.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
    }
}
