import Common
import Evaluation
import Foundation
import Imaging
import Pipeline
import Postgres
import Queue
import TestSupport
import XCTest

/// The product as a user runs it: the built `kneeflow` binary, a real PostgreSQL server, worker
/// processes, a tiny synthetic cohort (64×64), training from a run, evaluation and the report.
final class ChainEndToEndTests: XCTestCase {
    /// The database, directory and environment `kneeflow` runs with; `box.run`, `box.work`.
    var box: KneeflowSandbox!
    var dir: String { box.dir }
    var env: [String: String] { box.env }

    override func setUpWithError() throws { box = try KneeflowSandbox.make(prefix: "kf-e2e") }
    override func tearDownWithError() throws { box?.remove() }


    func testChainTrainEvaluateReport() throws {
        let cohort = dir + "/cohort"
        try box.run(["synth", "--out", cohort, "--datasets", "train:16,site-a:10", "--size", "64", "--slices", "12:16", "--seed", "3",
                "--tear-fraction", "0.5"])
        // A corrupt volume, labelled, among site-a's cases: it must fail (permanently) and show up as failed.
        try AtomicFileWriter.write("\u{93}NUMPY garbage", to: cohort + "/site-a/sagittal/9999.npy")
        let labels = try String(contentsOfFile: cohort + "/site-a-acl.csv", encoding: .utf8)
        try AtomicFileWriter.write(labels + "9999,1\n", to: cohort + "/site-a-acl.csv")

        // Preprocess `train` with two workers.
        try box.run(["enqueue", "--run", "pre", "--dataset", "train=" + cohort + "/train"])
        try box.work(2, run: "pre")
        let db = try PostgresConnection(env["DATABASE_URL"]!)
        defer { db.close() }
        let reader = ResultsReader(connection: db)
        let pre = try reader.jobs(runName: "pre")
        XCTAssertEqual(pre.count, 16)
        XCTAssertEqual(pre.filter { $0.state == .succeeded }.count, 16, pre.compactMap(\.lastError).joined(separator: "\n"))
        for job in pre {
            let artifacts = try JSONDecoder().decode([String: String].self, from: Data(job.artifactsJSON!.utf8))
            for key in ["base", "segmented", "mask", "preview", "metrics"] {
                let rel = try XCTUnwrap(artifacts[key], "\(job.caseId): no \(key)")
                XCTAssertFalse(rel.hasPrefix("/"), "artifact paths are relative to the root")
                XCTAssertTrue(FileManager.default.fileExists(atPath: env["KNEEFLOW_ARTIFACTS"]! + "/" + rel), rel)
            }
            let seg = try VolumeReader.read(path: env["KNEEFLOW_ARTIFACTS"]! + "/" + artifacts["segmented"]!).volume
            XCTAssertEqual(seg.slices, 10)
            XCTAssertEqual(seg.height, 64)
            let metrics = try JSONSerialization.jsonObject(with: Data(job.metricsJSON!.utf8)) as! [String: Any]
            let stages = try XCTUnwrap(metrics["stages_ms"] as? [String: Double])
            for s in ["read", "nmf", "slice", "segmentation", "write"] { XCTAssertNotNil(stages[s], s) }
            // The cohort ships ACL ground truth, so retention and coverage are measured; the knee
            // foreground holds the whole ligament, and the chain records the knee's anchor.
            XCTAssertNotNil(metrics["acl_retention"] as? Double)
            XCTAssertGreaterThanOrEqual(try XCTUnwrap(metrics["acl_coverage"] as? Double), 0.95, job.caseId)
            XCTAssertNotNil((metrics["preprocess"] as? [String: Any])?["kneeAnchor"] as? [String: Any], job.caseId)
            XCTAssertNil(job.probability, "a run without a model does not classify")
        }

        // Train from the run, then evaluate site-a with one worker and again with three.
        let model = dir + "/model.safetensors"
        // The demo's field of view (above the joint line the chain found), at a small input size.
        try box.run(["train", "--from-run", "pre", "--out", model, "--epochs", "2", "--seed", "1", "--val-fraction", "0.25",
                "--crop-centre", "joint", "--crop-fraction", "0.5", "--input-size", "32"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: model))
        try box.run(["enqueue", "--run", "eval1", "--model", model, "--dataset", "site-a=" + cohort + "/site-a"])
        try box.work(1, run: "eval1")
        try box.run(["enqueue", "--run", "eval3", "--model", model, "--dataset", "site-a=" + cohort + "/site-a"])
        try box.work(3, run: "eval3")

        let e1 = try reader.jobs(runName: "eval1"), e3 = try reader.jobs(runName: "eval3")
        XCTAssertEqual(e1.count, 11)
        let bad = try XCTUnwrap(e1.first { $0.caseId == "9999" })
        XCTAssertEqual(bad.state, .failed)
        XCTAssertEqual(bad.attempts, 1, "a corrupt input is a permanent failure, not retried")
        XCTAssertTrue(bad.lastError?.contains("read") == true, bad.lastError ?? "")
        for (a, b) in zip(e1, e3) {
            XCTAssertEqual(a.caseId, b.caseId)
            XCTAssertEqual(a.state, b.state)
            XCTAssertEqual(a.probability, b.probability, "probabilities do not depend on the number of workers")
            if a.state == .succeeded {
                let p = try XCTUnwrap(a.probability)
                XCTAssertTrue(p >= 0 && p <= 1)
                XCTAssertNotNil(try JSONDecoder().decode([String: String].self, from: Data(a.artifactsJSON!.utf8))["cam"])
                // Where the network looked, against the ground truth.
                let m = try JSONSerialization.jsonObject(with: Data(a.metricsJSON!.utf8)) as! [String: Any]
                XCTAssertNotNil(m["cam_peak_on_acl"] as? Bool, a.caseId)
            }
        }
        // The report's numbers do not depend on the worker count (timings aside).
        func numbers(_ name: String) throws -> String {
            let run = try XCTUnwrap(try reader.run(named: name))
            var input = ReportAssembler.runInput(run: run, jobs: try reader.jobs(runId: run.id), imagePath: { _ in nil })
            input.name = "x"
            return buildReport(ReportInput(run: input)).withoutRunTimes().json()
        }
        XCTAssertEqual(try numbers("eval1"), try numbers("eval3"))

        // Rendering twice gives byte-identical files; the failed case is listed as failed.
        let r1 = dir + "/r1", r2 = dir + "/r2"
        let out = try box.run(["report", "--run", "eval1", "--compare", "eval3", "--out", r1])
        XCTAssertTrue(out.stdout.contains("site-a"), out.stdout)
        try box.run(["report", "--run", "eval1", "--compare", "eval3", "--out", r2])
        for f in ["report.md", "report.json", "report.html"] {
            let a = try Data(contentsOf: URL(fileURLWithPath: r1 + "/" + f)), b = try Data(contentsOf: URL(fileURLWithPath: r2 + "/" + f))
            XCTAssertFalse(a.isEmpty, f)
            XCTAssertEqual(a, b, "\(f) differs between two renders")
        }
        let json = try String(contentsOfFile: r1 + "/report.json", encoding: .utf8)
        XCTAssertTrue(json.contains("9999"), "the failed case is in the report")
        XCTAssertTrue(json.contains("camLocalisation"), "the report gives where the network looked")
        let html = try String(contentsOfFile: r1 + "/report.html", encoding: .utf8)
        XCTAssertTrue(html.contains("<svg"))
        XCTAssertFalse(html.contains("src=\"images/"), "gallery images are inlined in the HTML")

        // A run with no finished job is refused clearly.
        try box.run(["enqueue", "--run", "empty", "--dataset", "site-a=" + cohort + "/site-a"])
        let refused = try box.run(["report", "--run", "empty", "--out", dir + "/r3"], expect: 4)
        XCTAssertTrue(refused.stderr.contains("no finished jobs"), refused.stderr)
    }
}

/// Writes test files (atomically, via Common).
enum AtomicFileWriter {
    static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
