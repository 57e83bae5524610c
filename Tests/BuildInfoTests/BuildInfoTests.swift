import BuildInfo
import Foundation
import XCTest

/// The code version comes from git at build time (ops/version-stamp.sh through the VersionStamp
/// plugin), and is "unknown" without a checkout.
final class BuildInfoTests: XCTestCase {
    static let packageDir = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs a program and returns its stdout, or nil when it exits non-zero.
    func run(_ tool: String, _ args: [String]) throws -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func stamp(_ dir: String) throws -> String {
        let out = NSTemporaryDirectory() + "kneeflow-stamp-\(UUID().uuidString)/GitStamp.swift"
        defer { try? FileManager.default.removeItem(atPath: (out as NSString).deletingLastPathComponent) }
        let script = Self.packageDir.appendingPathComponent("ops/version-stamp.sh").path
        XCTAssertNotNil(try run("/bin/sh", [script, dir, out]))
        return try String(contentsOfFile: out, encoding: .utf8)
    }

    func testCodeVersionIsACommitOrUnknown() {
        XCTAssertNotEqual(BuildInfo.codeVersion, "0.1.0")
        let ok = BuildInfo.codeVersion.range(of: "^([0-9a-f]{12}(-dirty)?|unknown)$", options: .regularExpression) != nil
        XCTAssertTrue(ok, BuildInfo.codeVersion)
        XCTAssertEqual(BuildInfo.codeVersion.hasSuffix("-dirty"), BuildInfo.dirty && BuildInfo.commit != "unknown")
    }

    func testCommitIsTheCheckoutsHEAD() throws {
        let dir = Self.packageDir.path
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/git"),
              let head = try run("/usr/bin/git", ["-C", dir, "rev-parse", "--short=12", "HEAD"])
        else { throw XCTSkip("no git checkout here") }
        XCTAssertEqual(BuildInfo.commit, head)
        XCTAssertTrue(try stamp(dir).contains("static let commit = \"\(head)\""))
    }

    func testWithoutGitTheCommitIsUnknown() throws {
        let dir = NSTemporaryDirectory() + "kneeflow-tarball-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = try stamp(dir)
        XCTAssertTrue(text.contains("static let commit = \"unknown\""), text)
        XCTAssertTrue(text.contains("static let dirty = false"), text)
    }
}
