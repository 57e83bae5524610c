import Foundation
@testable import Pipeline
import Queue
import XCTest

/// Manifest lines whose text PostgreSQL cannot store (NUL) or that are not UTF-8 are skipped one
/// by one, with their line number; the other lines are listed.
final class CaseSourceTextTests: XCTestCase {
    var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "kf-cases-text-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for f in ["a", "b", "c", "d"] { _ = FileManager.default.createFile(atPath: dir + "/\(f).npy", contents: Data("x".utf8)) }
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func testNULAndInvalidUTF8CostOnlyTheirLines() throws {
        var bytes = Array("case,path,label\na,a.npy,1\nb\u{0},b.npy,0\n".utf8)
        bytes += Array("c".utf8) + [0xFF, 0xFE] + Array(",c.npy,1\nd,d.npy,0\n".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/m.csv"))
        let l = try CaseSource.load(dataset: "ds", path: dir + "/m.csv")
        XCTAssertEqual(l.jobs.map(\.caseId), ["a", "d"])
        XCTAssertEqual(l.problems.count, 2, "\(l.problems)")
        XCTAssertTrue(l.problems[0].hasSuffix("m.csv:3: NUL byte in the case id or path (case b\u{0})"), l.problems[0])
        XCTAssertTrue(l.problems[1].hasSuffix("m.csv:4: invalid UTF-8"), l.problems[1])
    }

    func testValidUTF8KeepsItsReplacementCharacter() throws {
        try "case,path,label\n\u{FFFD}x,a.npy,1\n".write(toFile: dir + "/m.csv", atomically: true, encoding: .utf8)
        let l = try CaseSource.load(dataset: "ds", path: dir + "/m.csv")
        XCTAssertEqual(l.jobs.map(\.caseId), ["\u{FFFD}x"])
        XCTAssertEqual(l.problems, [])
    }
}
