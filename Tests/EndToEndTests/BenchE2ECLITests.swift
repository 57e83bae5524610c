import Foundation
import TestSupport
import XCTest

/// `kneeflow bench e2e` as a user runs it, on a tiny cohort: its own embedded PostgreSQL in a
/// temporary home, real worker processes, every job through the chain, the JSON figures, and the
/// home removed afterwards (no timing is asserted).
final class BenchE2ECLITests: XCTestCase {
    func testMeasuresOneThenTwoWorkersAndCleansUp() throws {
        guard KneeflowBinary.path() != nil else {
            XCTFail("kneeflow binary not found (build it, or set KNEEFLOW_BIN)")
            throw XCTSkip("no binary")
        }
        let out = try KneeflowBinary.run(["bench", "e2e", "--jobs", "3", "--workers", "1,2", "--size", "64", "--slices", "6:8"],
                                         environment: ["KNEEFLOW_LOG_LEVEL": "warning"], cwd: NSTemporaryDirectory())
        XCTAssertEqual(out.status, 0, out.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any], out.stdout)
        let runs = try XCTUnwrap(json["measurements"] as? [[String: Any]])
        XCTAssertEqual(runs.map { $0["workers"] as? Int }, [1, 2])
        for m in runs {
            XCTAssertEqual(m["jobs"] as? Int, 3)
            XCTAssertGreaterThan(try XCTUnwrap(m["jobs_per_min"] as? Double), 0)
            let share = try XCTUnwrap(m["stage_share"] as? [String: Double])
            for stage in ["read", "nmf", "slice", "segmentation", "write"] { XCTAssertNotNil(share[stage], stage) }
            XCTAssertEqual(share.values.reduce(0, +), 1, accuracy: 1e-9)
            let perWorker = try XCTUnwrap(m["jobs_per_min_per_worker"] as? Double), total = try XCTUnwrap(m["jobs_per_min"] as? Double)
            XCTAssertEqual(perWorker, total / Double(try XCTUnwrap(m["workers"] as? Int)), accuracy: 1e-9 * total)
        }
        XCTAssertNotNil(json["ratio_2_vs_1"] as? Double)
        let home = try XCTUnwrap(json["home"] as? String)
        XCTAssertFalse(FileManager.default.fileExists(atPath: home), "the temporary home \(home) was left behind")
    }

    func testRejectsBadArguments() throws {
        guard KneeflowBinary.path() != nil else { throw XCTSkip("no binary") }
        for args in [["--jobs", "0"], ["--workers", "x"], ["--batch", "0"]] {
            let out = try KneeflowBinary.run(["bench", "e2e"] + args, environment: [:], cwd: NSTemporaryDirectory())
            XCTAssertNotEqual(out.status, 0, args.joined(separator: " "))
        }
    }
}
