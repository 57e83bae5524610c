import Common
import Foundation
@testable import Pipeline
@testable import Queue
import XCTest

/// `report` and train-from-run read artifacts only under the artifact root: a database path that
/// is absolute or holds `..`, or a symlink in the artifact tree, is refused with a clear error
/// and never inlined.
final class ReportConfinementTests: XCTestCase {
    var dir: String!
    var root: String { dir + "/artifacts" }
    let run = RunInfo(id: 1, name: "r", configJSON: "{}", configSHA256: "s", codeVersion: "v", modelPath: nil, modelSHA256: nil)

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "kf-report-conf-\(UInt32.random(in: 0...UInt32.max))"
        for i in 0..<4 {
            try AtomicFile.write(string: "PNGDATA-\(i)", to: root + "/" + rel(i))
        }
        try AtomicFile.write(string: "SECRET-OUTSIDE", to: dir + "/outside.png")
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func rel(_ i: Int) -> String { "runs/r/d/c\(i)/attempt-t\(i)/preview_thumb.png" }

    func jobs(paths: [String]) -> [JobRecord] {
        paths.enumerated().map { i, p in
            JobRecord(jobId: Int64(i + 1), dataset: "d", caseId: "c\(i)", label: i < 2 ? 0 : 1, state: .succeeded, attempts: 1,
                      lastError: nil, inputPath: "/in/c\(i)", inputSHA256: "h\(i)", probability: [0.1, 0.6, 0.4, 0.9][i],
                      metricsJSON: "{}", artifactsJSON: "{\"preview_thumb\": \"\(p)\", \"segmented\": \"\(p)\"}",
                      startedAt: nil, finishedAt: nil)
        }
    }

    func render(_ paths: [String]) throws -> String {
        let out = dir + "/out-\(UInt32.random(in: 0...UInt32.max))"
        _ = try ReportWriter.write(run: (run, jobs(paths: paths)), compare: nil, artifactRoot: root, outDir: out)
        return try String(contentsOfFile: out + "/report.html", encoding: .utf8)
    }

    func assertRefused(_ paths: [String], _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try render(paths), file: file, line: line) { e in
            XCTAssertEqual((e as? PipelineError)?.code, .artifacts, "\(e)", file: file, line: line)
            XCTAssertTrue("\(e)".contains(fragment), "\(e)", file: file, line: line)
        }
    }

    func testGalleryImagesUnderTheRootAreInlined() throws {
        let html = try render((0..<4).map(rel))
        for i in 0..<4 { XCTAssertTrue(html.contains(Data("PNGDATA-\(i)".utf8).base64EncodedString()), "case \(i)") }
    }

    func testDotDotAndAbsolutePathsFromTheDatabaseAreRefused() {
        assertRefused(["../outside.png", rel(1), rel(2), rel(3)], "'..' component")
        assertRefused([rel(0), "runs/r/d/../../../outside.png", rel(2), rel(3)], "'..' component")
        assertRefused([rel(0), rel(1), dir + "/outside.png", rel(3)], "absolute")
    }

    func testASymlinkInTheArtifactTreeIsRefused() throws {
        try FileManager.default.removeItem(atPath: root + "/" + rel(1))
        try FileManager.default.createSymbolicLink(atPath: root + "/" + rel(1), withDestinationPath: dir + "/outside.png")
        assertRefused((0..<4).map(rel), "is a symlink")
        // A symlinked directory in the middle of the path too.
        try FileManager.default.removeItem(atPath: root + "/runs/r/d/c1")
        try FileManager.default.createSymbolicLink(atPath: root + "/runs/r/d/c1", withDestinationPath: dir)
        assertRefused((0..<4).map(rel), "is a symlink")
    }

    func testTrainingFromARunRefusesPathsOutsideTheRoot() {
        let pipelineRun = RunInfo(id: 1, name: "r", configJSON: "{}", configSHA256: "s", codeVersion: "v", modelPath: nil, modelSHA256: nil)
        XCTAssertThrowsError(try RunTrainingSet.load(run: pipelineRun, jobs: jobs(paths: ["../outside.npy"]), artifactRoot: root)) { e in
            XCTAssertTrue("\(e)".contains("'..' component"), "\(e)")
        }
    }
}
