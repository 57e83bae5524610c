import Foundation
@testable import Pipeline
import Queue
import XCTest

/// Dataset listing: MRNet layout and manifest CSV, problems reported one by one.
final class CaseSourceTests: XCTestCase {
    var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "kf-cases-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir + "/valid/sagittal", withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func touch(_ p: String) { _ = FileManager.default.createFile(atPath: p, contents: Data("x".utf8)) }

    func testMRNetDirectoryWithLabels() throws {
        touch(dir + "/valid/sagittal/1130.npy")
        touch(dir + "/valid/sagittal/1131.npy")
        try "1130,1\n1131,0\n1132,1\n".write(toFile: dir + "/valid-acl.csv", atomically: true, encoding: .utf8)
        let l = try CaseSource.load(dataset: "valid", path: dir + "/valid")
        XCTAssertEqual(l.jobs.map(\.caseId), ["1130", "1131"])
        XCTAssertEqual(l.jobs.map(\.label), [1, 0])
        XCTAssertEqual(l.jobs[0].inputPath, dir + "/valid/sagittal/1130.npy")
        XCTAssertEqual(l.problems.count, 1)   // 1132 labelled but missing
        XCTAssertTrue(l.problems[0].contains("1132"))
    }

    /// A dataset given by a relative path is enqueued with absolute input paths: workers on
    /// other machines or in other directories read the same files.
    func testRelativeDatasetPathGivesAbsoluteInputPaths() throws {
        touch(dir + "/valid/sagittal/1130.npy")
        let cwd = FileManager.default.currentDirectoryPath
        defer { FileManager.default.changeCurrentDirectoryPath(cwd) }
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(dir))
        let l = try CaseSource.load(dataset: "valid", path: "valid")
        XCTAssertEqual(l.jobs.count, 1, "\(l.problems)")
        XCTAssertEqual(l.jobs[0].inputPath, FileManager.default.currentDirectoryPath + "/valid/sagittal/1130.npy")
        XCTAssertTrue(l.jobs[0].inputPath.hasPrefix("/"))
    }

    func testManifestReportsEachProblemAndKeepsTheRest() throws {
        touch(dir + "/a.npy")
        touch(dir + "/b,c.npy")
        let lines = ["case,path,label", "a,a.npy,1", #""quoted, ""id""","b,c.npy",0"#, "nofile,missing.npy,1",
                     "badlabel,a.npy,7", "short,a.npy", "a,a.npy,1", ",a.npy,0", ""]
        let csv = lines.joined(separator: "\n")
        try csv.write(toFile: dir + "/m.csv", atomically: true, encoding: .utf8)
        let l = try CaseSource.load(dataset: "d", path: dir + "/m.csv")
        XCTAssertEqual(l.jobs.map(\.caseId), ["a", "quoted, \"id\""])
        XCTAssertEqual(l.jobs[1].inputPath, dir + "/b,c.npy")
        XCTAssertEqual(l.problems.count, 5, "\(l.problems)")
        XCTAssertTrue(l.problems[0].hasSuffix("input file missing: \(dir!)/missing.npy"), l.problems[0])
        XCTAssertTrue(l.problems[0].contains("m.csv:4"), l.problems[0])
    }

    func testMissingHeaderIsAnError() throws {
        try "x,y\n".write(toFile: dir + "/bad.csv", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try CaseSource.load(dataset: "d", path: dir + "/bad.csv"))
        XCTAssertThrowsError(try CaseSource.load(dataset: "d", path: dir + "/nope"))
    }
}

/// Inputs outside the dataset's input root are refused at enqueue, one line each.
final class CaseSourceConfinementTests: XCTestCase {
    var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "kf-cases-root-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir + "/ds/vols", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/elsewhere", withIntermediateDirectories: true)
        for p in ["/ds/vols/a.npy", "/elsewhere/secret.npy"] { _ = FileManager.default.createFile(atPath: dir + p, contents: Data("x".utf8)) }
        try FileManager.default.createSymbolicLink(atPath: dir + "/ds/vols/out.npy", withDestinationPath: dir + "/elsewhere/secret.npy")
        try FileManager.default.createSymbolicLink(atPath: dir + "/ds/vols/in.npy", withDestinationPath: "a.npy")
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func testManifestInputsOutsideTheRootAreRefusedPerLine() throws {
        let manifest = dir + "/ds/m.csv"
        try """
            case,path,label
            ok,vols/a.npy,1
            abs,\(dir!)/elsewhere/secret.npy,0
            dotdot,../elsewhere/secret.npy,0
            link-out,vols/out.npy,1
            link-in,vols/in.npy,0
            etc,/etc/passwd,0

            """.write(toFile: manifest, atomically: true, encoding: .utf8)
        let l = try CaseSource.load(dataset: "d", path: manifest)
        XCTAssertEqual(l.jobs.map(\.caseId), ["ok", "link-in"])
        let root = try XCTUnwrap(l.jobs.first?.inputRoot)
        XCTAssertEqual(root, URL(fileURLWithPath: dir + "/ds").resolvingSymlinksInPath().path)
        XCTAssertEqual(l.problems.count, 4, l.problems.joined(separator: "\n"))
        for (n, p) in zip([3, 4, 5, 7], l.problems) {
            XCTAssertTrue(p.hasPrefix("\(manifest):\(n): refused:"), p)
            XCTAssertTrue(p.contains("outside the input root"), p)
        }
        // An explicit, wider root admits them (not /etc/passwd).
        let wide = try CaseSource.load(dataset: "d", path: manifest, inputRoot: dir)
        XCTAssertEqual(wide.jobs.map(\.caseId), ["ok", "abs", "dotdot", "link-out", "link-in"])
        XCTAssertThrowsError(try CaseSource.load(dataset: "d", path: manifest, inputRoot: dir + "/nope"))
    }

    func testMRNetSymlinkLeavingTheDatasetIsRefused() throws {
        try FileManager.default.createDirectory(atPath: dir + "/mr/sagittal", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: dir + "/mr/sagittal/0001.npy", contents: Data("x".utf8))
        try FileManager.default.createSymbolicLink(atPath: dir + "/mr/sagittal/0002.npy", withDestinationPath: "/etc/passwd")
        let l = try CaseSource.load(dataset: "mr", path: dir + "/mr")
        XCTAssertEqual(l.jobs.map(\.caseId), ["0001"])
        XCTAssertEqual(l.problems.filter { $0.contains("case 0002: refused: input") && $0.contains("outside the input root") }.count, 1, l.problems.joined(separator: "\n"))
    }
}
