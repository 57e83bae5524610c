import Foundation
import TestSupport
import XCTest

/// `kneeflow groundtruth` as a user runs it on a tiny synthetic cohort (no database needed).
final class GroundTruthCLITests: XCTestCase {
    var dir = ""
    var cohort: String { dir + "/cohort" }

    override func setUpWithError() throws {
        try KneeflowBinary.require()
        dir = NSTemporaryDirectory() + "kf-gt-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try kf(["synth", "--out", cohort, "--datasets", "a:8,b:8", "--size", "64", "--slices", "12:16", "--seed", "5",
                "--tear-fraction", "0.5"])
    }

    override func tearDownWithError() throws {
        if !dir.isEmpty { try? FileManager.default.removeItem(atPath: dir) }
    }

    @discardableResult
    func kf(_ args: [String], expect status: Int32 = 0, file: StaticString = #filePath, line: UInt = #line) throws -> KneeflowBinary.Output {
        let out = try KneeflowBinary.run(args, environment: ["OPENBLAS_NUM_THREADS": "1"])
        XCTAssertEqual(out.status, status, "kneeflow \(args.joined(separator: " ")):\n\(out.stderr.suffix(3000))", file: file, line: line)
        return out
    }

    /// The per-dataset objects of `groundtruth --json`, with the structure checked.
    func datasets(_ extra: [String], file: StaticString = #filePath, line: UInt = #line) throws -> [String: [String: Any]] {
        let out = try kf(["groundtruth", "--cohort", cohort, "--json", "--threads", "2"] + extra, file: file, line: line)
        let root = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any], out.stdout)
        XCTAssertEqual(root["cohort"] as? String, cohort)
        XCTAssertEqual((root["config_sha256"] as? String)?.count, 64)
        let list = try XCTUnwrap(root["datasets"] as? [[String: Any]])
        XCTAssertEqual(list.map { $0["dataset"] as? String }, ["a", "b"], "default: every <ds>-acl.csv, sorted")
        var byName: [String: [String: Any]] = [:]
        for d in list {
            XCTAssertEqual(d["cases"] as? Int, 8, file: file, line: line)
            let tears = try XCTUnwrap(d["tears"] as? Int)
            XCTAssertTrue(tears > 0 && tears < 8, "both classes", file: file, line: line)
            for key in ["coverage", "air", "foreground_fraction"] {
                let s = try XCTUnwrap(d[key] as? [String: Double], key)
                XCTAssertEqual(Set(s.keys), ["mean", "min", "max", "p5"], file: file, line: line)
                for v in s.values { XCTAssertTrue((0...1).contains(v), "\(key) \(v)", file: file, line: line) }
                XCTAssertTrue(s["min"]! <= s["p5"]! && s["p5"]! <= s["mean"]! + 1e-12 && s["mean"]! <= s["max"]! + 1e-12, file: file, line: line)
            }
            XCTAssertTrue((0...1).contains(try XCTUnwrap(d["pooled_coverage"] as? Double)))
            XCTAssertNotNil(d["kept_intact"] as? Double); XCTAssertNotNil(d["kept_torn"] as? Double)
            let auc = try XCTUnwrap(d["auc"] as? [String: Double])
            XCTAssertEqual(Set(auc.keys), ["raw", "base", "seg_kept", "seg_ratio"], file: file, line: line)
            for v in auc.values { XCTAssertTrue((0...1).contains(v), file: file, line: line) }
            byName[d["dataset"] as! String] = d
        }
        return byName
    }

    func testKneeMaskCoversTheACLAndTissueDoesNot() throws {
        let knee = try datasets([])
        let configPath = dir + "/tissue.json"
        try #"{"preprocess":{"slice":{"foreground":"tissue"}}}"#.write(toFile: configPath, atomically: true, encoding: .utf8)
        let tissue = try datasets(["--config", configPath])
        for name in ["a", "b"] {
            let k = (knee[name]!["coverage"] as! [String: Double])["mean"]!
            let t = (tissue[name]!["coverage"] as! [String: Double])["mean"]!
            XCTAssertGreaterThanOrEqual(k, 0.95, "\(name): the knee mask holds the ACL")
            XCTAssertLessThan(t, k, "\(name): the per-image Otsu mask drops part of the ACL")
        }
    }

    func testMarkdownThreadsLimitAndErrors() throws {
        let md = try kf(["groundtruth", "--cohort", cohort, "--datasets", "b", "--limit", "4"]).stdout
        XCTAssertTrue(md.contains("| dataset | cases | tears |"), md)
        XCTAssertTrue(md.contains("| b | 4 |"), md)
        XCTAssertFalse(md.contains("| a |"), md)
        // The output does not depend on the thread count.
        let one = try kf(["groundtruth", "--cohort", cohort, "--json", "--limit", "4", "--threads", "1"]).stdout
        let two = try kf(["groundtruth", "--cohort", cohort, "--json", "--limit", "4", "--threads", "2"]).stdout
        XCTAssertEqual(one, two)
        // A missing ground-truth file: exit 1 and the file named, no crash.
        let missing = cohort + "/a/body_mask/0003.npy"
        try FileManager.default.removeItem(atPath: missing)
        let out = try kf(["groundtruth", "--cohort", cohort], expect: 1)
        XCTAssertTrue(out.stderr.contains(missing), out.stderr)
        // Bad flags are validation errors.
        try kf(["groundtruth", "--cohort", cohort, "--threads", "0"], expect: 64)
    }
}
