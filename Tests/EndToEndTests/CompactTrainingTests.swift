import Common
import Foundation
import Imaging
import Pipeline
import Postgres
import Queue
import TestSupport
import XCTest

/// The same volumes preprocessed by real workers into a compact and a full run: training reads
/// the compact run's segmented images bit for bit as the full run's (so the `seg` model is the
/// same), its base images within half a quantisation step, and the same knee landmarks.
final class CompactTrainingTests: XCTestCase {
    func testTrainingSetsOfCompactAndFullRunsAgree() throws {
        guard KneeflowBinary.path() != nil else {
            if ProcessInfo.processInfo.environment["KNEEFLOW_REQUIRE_DB"] == "1" { XCTFail("kneeflow binary not found (KNEEFLOW_BIN)") }
            throw XCTSkip("kneeflow binary not found (set KNEEFLOW_BIN)")
        }
        let url = try TestDatabase.shared.makeDatabase()
        let conn = try PostgresConnection(url)
        defer { conn.close() }
        try Migrator().migrate(conn)
        let dir = NSTemporaryDirectory() + "kf-compact-e2e-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let root = dir + "/artifacts"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let env = ["DATABASE_URL": url, "KNEEFLOW_ARTIFACTS": root, "KNEEFLOW_HOME": dir + "/home", "OPENBLAS_NUM_THREADS": "1"]
        let synth = try KneeflowBinary.run(["synth", "--out", dir + "/cohort", "--datasets", "d:3", "--size", "64",
                                            "--slices", "12:16", "--seed", "3"], environment: env)
        XCTAssertEqual(synth.status, 0, synth.stderr)
        for (run, extra) in [("c", [String]()), ("f", ["--artifact-format", "full"]), ("cn", ["--variant", "nmf"]),
                             ("fn", ["--variant", "nmf", "--artifact-format", "full"])] {
            let e = try KneeflowBinary.run(["enqueue", "--run", run, "--dataset", "d=" + dir + "/cohort/d"] + extra, environment: env)
            XCTAssertEqual(e.status, 0, e.stderr)
        }
        let work = try KneeflowBinary.run(["work", "--exit-when-idle", "--poll", "0.2"], environment: env)
        XCTAssertEqual(work.status, 0, work.stderr)

        let reader = ResultsReader(connection: conn)
        func load(_ name: String) throws -> [TrainingSampleView] {
            let run = try XCTUnwrap(reader.run(named: name))
            return try RunTrainingSet.load(run: run, jobs: try reader.jobs(runId: run.id), artifactRoot: root).samples
                .map { TrainingSampleView(id: $0.id, input: $0.input, foreground: $0.landmarks?.foreground, anchor: $0.landmarks?.anchor) }
        }
        let c = try load("c"), f = try load("f")
        XCTAssertEqual(c.count, 3)
        XCTAssertEqual(c, f, "segmented images and landmarks of the compact run equal the full run's")
        let jobs = try reader.jobs(runName: "c")
        XCTAssertTrue(jobs.allSatisfy { ($0.artifactsJSON ?? "").contains("segmented.npy.gz") })

        let cn = try load("cn"), fn = try load("fn")
        let quantisation = try reader.jobs(runName: "cn").map { try XCTUnwrap(ArtifactReader.quantisation(metricsJSON: $0.metricsJSON)?["base"]) }
        for ((a, b), q) in zip(zip(cn, fn), quantisation) {
            XCTAssertEqual(a.id, b.id)
            XCTAssertEqual(a.foreground, b.foreground)
            let n = a.input.sliceSize
            for k in 0..<a.input.slices {
                var worst: Float = 0
                for i in (k * n)..<((k + 1) * n) { worst = max(worst, abs(a.input.data[i] - b.input.data[i])) }
                XCTAssertLessThanOrEqual(worst, q.scale[k] / 2 * 1.0001 + 1e-7, "\(a.id) base image \(k)")
            }
        }
    }
}

/// The parts of a training sample the comparison needs (Equatable).
struct TrainingSampleView: Equatable {
    let id: String
    let input: Volume
    let foreground: [UInt8]?
    let anchor: KneeAnchor?
}
