import Common
import Foundation
import Imaging
import Pipeline
import Postgres
import Queue
import TestSupport
import XCTest

/// Clinical inputs through the product: a DICOM series (JPEG-LS, made by DCMTK's tools from a
/// synthetic knee), the same knee as npy, a truncated series and a NIfTI with negative samples,
/// enqueued from a manifest and run by one `kneeflow work` process.
final class DICOMEndToEndTests: XCTestCase {
    var dir = ""
    var env: [String: String] = [:]

    override func setUpWithError() throws {
        try KneeflowBinary.require()
        if let why = DCMTK.missing(["dump2dcm", "dcmcjpls"]) { throw XCTSkip(why) }
        let url = try TestDatabase.shared.makeDatabase()
        dir = NSTemporaryDirectory() + "kf-dcm-e2e-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/cases", withIntermediateDirectories: true)
        env = ["DATABASE_URL": url, "KNEEFLOW_ARTIFACTS": dir + "/artifacts", "KNEEFLOW_HOME": dir + "/home",
               "OPENBLAS_NUM_THREADS": "1"]
    }

    override func tearDownWithError() throws {
        if !dir.isEmpty { try? FileManager.default.removeItem(atPath: dir) }
    }

    @discardableResult
    func kf(_ args: [String], expect status: Int32 = 0, file: StaticString = #filePath, line: UInt = #line) throws -> KneeflowBinary.Output {
        let out = try KneeflowBinary.run(args, environment: env)
        XCTAssertEqual(out.status, status, "kneeflow \(args.joined(separator: " ")):\n\(out.stderr.suffix(3000))", file: file, line: line)
        return out
    }

    func work(run: String) throws {
        let p = try KneeflowBinary.start(["work", "--run", run, "--exit-when-idle", "--poll", "0.5"], environment: env)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "the worker lives on through bad inputs and exits cleanly")
    }

    func metrics(_ job: JobRecord) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(XCTUnwrap(job.metricsJSON).utf8)) as? [String: Any])
    }

    func testDICOMSeriesNIfTIAndBrokenInputsThroughAWorker() throws {
        try kf(["synth", "--out", dir + "/cohort", "--datasets", "d:1", "--size", "64", "--slices", "12:12", "--seed", "3"])
        let sagittal = dir + "/cohort/d/sagittal"
        let npy = sagittal + "/" + (try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: sagittal).first))
        let knee = try VolumeReader.read(path: npy).volume
        var series = DICOMSeriesFixture(slices: knee.slices, rows: knee.height, columns: knee.width,
                                        values: knee.data.map { Int32($0) })
        series.bitsStored = 8
        try series.write(to: dir + "/cases/knee", syntax: .jpegLS, seed: 4)
        let broken = try series.write(to: dir + "/cases/bad", seed: 4)
        let cut = [UInt8](try Data(contentsOf: URL(fileURLWithPath: broken[5])))
        try Data(cut.prefix(cut.count - 100)).write(to: URL(fileURLWithPath: broken[5]))
        var negative = knee
        negative.data = negative.data.map { $0 - 3 }
        try NIfTIWriter.write(negative, geometry: nil, to: dir + "/cases/neg.nii.gz")
        try "case,path,label\nknee,cases/knee,1\nnpy,\(npy),1\nbad,cases/bad,0\nneg,cases/neg.nii.gz,0\n"
            .write(toFile: dir + "/manifest.csv", atomically: true, encoding: .utf8)

        try kf(["enqueue", "--run", "clinical", "--dataset", "m=" + dir + "/manifest.csv", "--k", "4"])
        try work(run: "clinical")
        let db = try PostgresConnection(env["DATABASE_URL"]!)
        defer { db.close() }
        let jobs = Dictionary(uniqueKeysWithValues: try ResultsReader(connection: db).jobs(runName: "clinical").map { ($0.caseId, $0) })
        XCTAssertEqual(jobs.count, 4)
        for id in ["knee", "npy", "neg"] {
            XCTAssertEqual(jobs[id]?.state, .succeeded, "\(id): \(jobs[id]?.lastError ?? "")")
        }
        // The series hashed as a whole at enqueue (FileTree digest), the same value the worker checked.
        XCTAssertEqual(jobs["knee"]?.inputSHA256, try SHA256.input(at: dir + "/cases/knee"))

        // The DICOM series and the npy it was made from give the same artifacts: one reader.
        func base(_ id: String) throws -> Volume {
            let artifacts = try JSONDecoder().decode([String: String].self, from: Data(XCTUnwrap(jobs[id]?.artifactsJSON).utf8))
            return try VolumeReader.read(path: env["KNEEFLOW_ARTIFACTS"]! + "/" + XCTUnwrap(artifacts["base"])).volume
        }
        XCTAssertEqual(try base("knee"), try base("npy"))
        let input = try XCTUnwrap(try metrics(XCTUnwrap(jobs["knee"]))["input"] as? [String: Any])
        XCTAssertEqual(input["format"] as? String, "dicom")
        XCTAssertEqual(input["plane"] as? String, "sagittal")
        XCTAssertEqual(input["spacing_mm"] as? [Double], [3, 0.5, 0.625])
        XCTAssertEqual(input["series"] as? String, series.seriesUID + " (KneeFlow fixture)")

        // Negative samples clipped by default, the fraction recorded.
        let neg = try XCTUnwrap(try metrics(XCTUnwrap(jobs["neg"]))["input"] as? [String: Any])
        let negatives = try XCTUnwrap(neg["negative_samples"] as? [String: Any])
        XCTAssertEqual(negatives["policy"] as? String, "clip")
        XCTAssertGreaterThan(try XCTUnwrap(negatives["negative_fraction"] as? Double), 0)
        XCTAssertEqual(negatives["minimum"] as? Double, -3)

        // The truncated series: a permanent failure naming the file, not retried.
        let bad = try XCTUnwrap(jobs["bad"])
        XCTAssertEqual(bad.state, .failed)
        XCTAssertEqual(bad.attempts, 1)
        XCTAssertTrue(bad.lastError?.contains("truncated") == true && bad.lastError?.contains(broken[5]) == true, bad.lastError ?? "")

        // A dataset PATH that is one series is one case; a file added after enqueue is detected.
        try kf(["enqueue", "--run", "changed", "--dataset", "one=" + dir + "/cases/knee", "--k", "4"])
        try FileManager.default.copyItem(atPath: broken[0], toPath: dir + "/cases/knee/EXTRA")
        try work(run: "changed")
        let changed = try XCTUnwrap(try ResultsReader(connection: db).jobs(runName: "changed").first)
        XCTAssertEqual(changed.caseId, "knee")
        XCTAssertEqual(changed.state, .failed)
        XCTAssertTrue(changed.lastError?.contains("changed since enqueue") == true, changed.lastError ?? "")
    }

    func testConvertPrintsTheSeriesAndWritesWhatTheWorkerReads() throws {
        var fixture = DICOMSeriesFixture.pattern(slices: 4, rows: 5, columns: 6)
        fixture.slope = 2; fixture.intercept = -7
        try fixture.write(to: dir + "/cases/s", syntax: .rle, seed: 8)
        let out = try kf(["convert", dir + "/cases/s", "--out", dir + "/s.npy"])
        XCTAssertTrue(out.stdout.contains("series: \(fixture.seriesUID) (KneeFlow fixture)"), out.stdout)
        XCTAssertTrue(out.stdout.contains("orientation: sagittal, spacing 3 × 0.5 × 0.625 mm"), out.stdout)
        XCTAssertTrue(out.stdout.contains("RLE Lossless"), out.stdout)
        XCTAssertEqual(try VolumeReader.read(path: dir + "/s.npy").volume.data, fixture.expected)
        try kf(["convert", dir + "/cases/s", "--out", dir + "/s.nii.gz"])
        let back = try VolumeReader.read(path: dir + "/s.nii.gz")
        XCTAssertEqual(back.volume.data, fixture.expected)
        XCTAssertEqual(back.geometry?.plane, .sagittal)
        // No axial series here: a one-line error and exit 1; a bad --out: a validation error.
        let axial = try kf(["convert", dir + "/cases/s", "--out", dir + "/a.npy", "--plane", "axial"], expect: 1)
        XCTAssertTrue(axial.stderr.contains("no axial series"), axial.stderr)
        try kf(["convert", dir + "/cases/s", "--out", dir + "/s.png"], expect: 64)
    }
}
