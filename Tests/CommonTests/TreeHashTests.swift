import Foundation
import XCTest
@testable import Common

final class TreeHashTests: XCTestCase {
    func makeTree() throws -> String {
        let dir = NSTemporaryDirectory() + "kf-tree-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
        try Data("first".utf8).write(to: URL(fileURLWithPath: dir + "/IM0002"))
        try Data("second".utf8).write(to: URL(fileURLWithPath: dir + "/IM0001"))
        try Data([0, 1, 2]).write(to: URL(fileURLWithPath: dir + "/sub/Z"))
        try Data().write(to: URL(fileURLWithPath: dir + "/.hidden"))
        return dir
    }

    /// The digest is the one `sha256sum` gives over the sorted file list (a known answer from
    /// coreutils), so a user can reproduce a recorded input SHA-256 by hand.
    func testDigestMatchesSha256sumOverTheSortedFiles() throws {
        let dir = try makeTree()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertEqual(try FileTree.files(under: dir), [".hidden", "IM0001", "IM0002", "sub/Z"])
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "cd \"$1\" && find . -type f | sed 's|^\\./||' | LC_ALL=C sort | xargs -d '\\n' sha256sum | sha256sum | cut -c1-64", "sh", dir]
        let out = Pipe()
        p.standardOutput = out
        try p.run(); p.waitUntilExit()
        let expected = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(expected.count, 64)
        XCTAssertEqual(try SHA256.input(at: dir), expected)
    }

    func testAChangedAddedOrRenamedFileChangesTheDigest() throws {
        let dir = try makeTree()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let before = try SHA256.input(at: dir)
        XCTAssertEqual(try SHA256.input(at: dir), before, "deterministic")
        try Data("firsT".utf8).write(to: URL(fileURLWithPath: dir + "/IM0002"))
        let changed = try SHA256.input(at: dir)
        XCTAssertNotEqual(changed, before)
        try Data("x".utf8).write(to: URL(fileURLWithPath: dir + "/IM0003"))
        let added = try SHA256.input(at: dir)
        XCTAssertNotEqual(added, changed)
        try FileManager.default.moveItem(atPath: dir + "/IM0003", toPath: dir + "/IM0004")
        XCTAssertNotEqual(try SHA256.input(at: dir), added)
        // A file's input digest is its own SHA-256.
        XCTAssertEqual(try SHA256.input(at: dir + "/IM0001"), SHA256.hex(string: "second"))
        let empty = dir + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        XCTAssertThrowsError(try SHA256.input(at: empty))
    }
}
