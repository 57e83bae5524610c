import Classifier
import Common
import Evaluation
import Foundation
import Imaging
import Pipeline
import Postgres
import Queue
import TestSupport
import XCTest

/// The stage cache as a user meets it: the built `kneeflow` binary, a real PostgreSQL server,
/// worker processes. Three evaluation runs of one model over one cohort in the `nmf` variant
/// (compact artifacts, so the classifier sees quantised base images): the first computes every
/// job's preprocessing, the second reuses all of it, the third (`--no-cache`) recomputes all of
/// it — and the three agree bit for bit: probabilities, metrics (timings and the cache record
/// aside), artifact bytes, and the report without run times and work record.
final class CacheEndToEndTests: XCTestCase {
    /// The database, directory and environment `kneeflow` runs with; `box.run`, `box.work`.
    var box: KneeflowSandbox!
    var dir: String { box.dir }
    var env: [String: String] { box.env }

    override func setUpWithError() throws { box = try KneeflowSandbox.make(prefix: "kf-cache") }
    override func tearDownWithError() throws { box?.remove() }


    struct Job {
        var record: JobRecord
        var metrics: [String: Any]
        var artifacts: [String: String]
        var cache: [String: Any] { metrics["cache"] as? [String: Any] ?? [:] }
        var stages: [String: Double] { metrics["stages_ms"] as? [String: Double] ?? [:] }
    }

    func jobs(_ reader: ResultsReader, _ run: String) throws -> [Job] {
        try reader.jobs(runName: run).map { r in
            XCTAssertEqual(r.state, .succeeded, r.lastError ?? "")
            return Job(record: r,
                       metrics: try JSONSerialization.jsonObject(with: Data(try XCTUnwrap(r.metricsJSON).utf8)) as! [String: Any],
                       artifacts: try JSONDecoder().decode([String: String].self, from: Data(try XCTUnwrap(r.artifactsJSON).utf8)))
        }
    }

    /// The metrics without what legitimately differs: stage timings, the cache record and —
    /// with `chainTimings` — the chain's own timings (`preprocess.ms`; a reused job carries the
    /// computing job's).
    func comparable(_ m: [String: Any], chainTimings: Bool) throws -> String {
        var m = m
        m["stages_ms"] = nil; m["cache"] = nil
        if chainTimings, var p = m["preprocess"] as? [String: Any] { p["ms"] = nil; m["preprocess"] = p }
        return String(decoding: try JSONSerialization.data(withJSONObject: m, options: [.sortedKeys]), as: UTF8.self)
    }

    func testReusedAndRecomputedPreprocessingAgreeBitForBit() throws {
        let cohort = dir + "/cohort", root = dir + "/artifacts"
        try box.run(["synth", "--out", cohort, "--datasets", "train:8,site-a:8", "--size", "64", "--slices", "12:14", "--seed", "4",
                "--tear-fraction", "0.5"])
        try box.run(["enqueue", "--run", "pre", "--variant", "nmf", "--dataset", "train=" + cohort + "/train"])
        try box.work(2, run: "pre")
        let model = dir + "/model.safetensors"
        try box.run(["train", "--from-run", "pre", "--out", model, "--epochs", "1", "--seed", "1", "--val-fraction", "0.25",
                "--crop-fraction", "0.5", "--input-size", "32"])

        for run in ["computed", "reused"] {
            try box.run(["enqueue", "--run", run, "--variant", "nmf", "--model", model, "--dataset", "site-a=" + cohort + "/site-a"])
            try box.work(2, run: run)
        }
        try box.run(["enqueue", "--run", "nocache", "--no-cache", "--variant", "nmf", "--model", model, "--dataset", "site-a=" + cohort + "/site-a"])
        try box.work(2, run: "nocache")

        let db = try PostgresConnection(env["DATABASE_URL"]!)
        defer { db.close() }
        let reader = ResultsReader(connection: db)
        let computed = try jobs(reader, "computed"), reused = try jobs(reader, "reused"), nocache = try jobs(reader, "nocache")
        XCTAssertEqual(computed.count, 8)
        XCTAssertEqual(reused.map(\.record.caseId), computed.map(\.record.caseId))
        XCTAssertEqual(nocache.map(\.record.caseId), computed.map(\.record.caseId))
        let storedModel = try Model.load(path: model)

        for ((c, r), n) in zip(zip(computed, reused), nocache) {
            let id = c.record.caseId
            // The work record: computed and published; reused (no chain stages, a cache stage);
            // recomputed without touching the cache. The key does not depend on the run or the flag.
            XCTAssertEqual(c.cache["reused"] as? Bool, false, id)
            let entry = try XCTUnwrap(c.cache["entry"] as? String, id)
            XCTAssertNil(c.cache["notes"], id)
            XCTAssertEqual(r.cache["reused"] as? Bool, true, id)
            XCTAssertEqual(r.cache["entry"] as? String, entry, id)
            XCTAssertEqual(n.cache["reused"] as? Bool, false, id)
            XCTAssertEqual(n.cache["disabled"] as? Bool, true, id)
            XCTAssertNil(n.cache["entry"], id)
            XCTAssertEqual(r.cache["key"] as? String, c.cache["key"] as? String, id)
            XCTAssertEqual(n.cache["key"] as? String, c.cache["key"] as? String, id)
            for s in ["nmf", "slice", "segmentation"] {
                XCTAssertNotNil(c.stages[s], id); XCTAssertNotNil(n.stages[s], id)
                XCTAssertNil(r.stages[s], "\(id): a reused job did not run \(s)")
            }
            XCTAssertNotNil(r.stages["cache"], id)
            XCTAssertNil(n.stages["cache"], id)

            // Bit for bit: probability, metrics, every artifact's bytes.
            let p = try XCTUnwrap(c.record.probability, id)
            XCTAssertEqual(r.record.probability?.bitPattern, p.bitPattern, id)
            XCTAssertEqual(n.record.probability?.bitPattern, p.bitPattern, id)
            XCTAssertEqual(try comparable(r.metrics, chainTimings: false), try comparable(c.metrics, chainTimings: false), id)
            XCTAssertEqual(try comparable(n.metrics, chainTimings: true), try comparable(c.metrics, chainTimings: true), id)
            let keys = Set(c.artifacts.keys).subtracting(["dir", "metrics"])
            XCTAssertEqual(keys, ["base", "segmented", "mask", "preview", "cam", "cam_thumb"], id)
            XCTAssertEqual(Set(r.artifacts.keys), Set(c.artifacts.keys), id)
            XCTAssertEqual(Set(n.artifacts.keys), Set(c.artifacts.keys), id)
            for key in keys {
                let bytes = try Data(contentsOf: URL(fileURLWithPath: root + "/" + c.artifacts[key]!))
                XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: root + "/" + r.artifacts[key]!)), bytes, "\(id) \(key)")
                XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: root + "/" + n.artifacts[key]!)), bytes, "\(id) \(key)")
            }
            // Stored once: the reused job's images are hard links of the computing job's (in its
            // own attempt directory); the --no-cache job's are its own files.
            func inode(_ rel: String) -> UInt64 { var s = stat(); return lstat(root + "/" + rel, &s) == 0 ? UInt64(s.st_ino) : 0 }
            XCTAssertEqual(inode(r.artifacts["base"]!), inode(c.artifacts["base"]!), id)
            XCTAssertTrue(r.artifacts["base"]!.hasPrefix(r.artifacts["dir"]! + "/"), id)
            XCTAssertNotEqual(inode(n.artifacts["base"]!), inode(c.artifacts["base"]!), id)

            // The nmf variant classified the base images as stored (what `train --from-run` and
            // any reader of the artifacts see), also in the run that computed them.
            let base = try ArtifactReader.volume(c.artifacts["base"]!, key: "base", root: root,
                                                 quantisation: ArtifactReader.quantisation(metricsJSON: c.record.metricsJSON))
            let masks = try VolumeReader.read(path: root + "/" + c.artifacts["mask"]!).volume
            var union = [UInt8](repeating: 0, count: masks.sliceSize)
            for (i, v) in masks.data.enumerated() where v != 0 { union[i % masks.sliceSize] = 1 }
            let anchorJSON = try JSONSerialization.data(withJSONObject: (c.metrics["preprocess"] as! [String: Any])["kneeAnchor"] ?? NSNull(), options: [.fragmentsAllowed])
            let anchor = try? JSONDecoder().decode(KneeAnchor.self, from: anchorJSON)
            let window = try storedModel.window(for: base, landmarks: KneeLandmarks(foreground: union, anchor: anchor))
            XCTAssertEqual(storedModel.cam(base, window: window).probability.bitPattern, p.bitPattern, "\(id): the stored base images were classified")
        }

        // The report: the work record says what happened; without run times and work record
        // the reused run's report is byte-identical to the computing run's, and the --no-cache
        // run's too once its configuration (which says "cache": false) is set aside.
        func input(_ name: String) throws -> RunInput {
            let run = try XCTUnwrap(try reader.run(named: name))
            var input = ReportAssembler.runInput(run: run, jobs: try reader.jobs(runId: run.id), imagePath: { _ in nil })
            input.name = "x"
            return input
        }
        let (ci, ri, ni) = (try input("computed"), try input("reused"), try input("nocache"))
        XCTAssertEqual([ci.provenance.computedJobs, ci.provenance.reusedJobs], [8, 0])
        XCTAssertEqual([ri.provenance.computedJobs, ri.provenance.reusedJobs], [0, 8])
        XCTAssertEqual([ni.provenance.computedJobs, ni.provenance.reusedJobs], [8, 0])
        XCTAssertTrue(ni.provenance.configJSON.contains("\"cache\":false"), ni.provenance.configJSON)
        XCTAssertFalse(ci.provenance.configJSON.contains("cache"), ci.provenance.configJSON)
        XCTAssertNotEqual(buildReport(ReportInput(run: ri)).json(), buildReport(ReportInput(run: ci)).json())
        let reference = buildReport(ReportInput(run: ci)).withoutRunTimes().json()
        XCTAssertEqual(buildReport(ReportInput(run: ri)).withoutRunTimes().json(), reference)
        var nn = ni
        nn.provenance.configJSON = ci.provenance.configJSON; nn.provenance.configSHA256 = ci.provenance.configSHA256
        XCTAssertEqual(buildReport(ReportInput(run: nn)).withoutRunTimes().json(), reference)
        let markdown = buildReport(ReportInput(run: ri)).markdown()
        XCTAssertTrue(markdown.contains("0 jobs computed, 8 reused from the stage cache"), markdown)
    }
}
