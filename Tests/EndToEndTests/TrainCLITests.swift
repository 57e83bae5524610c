import Foundation
import Imaging
import TestSupport
import XCTest

/// `kneeflow train --data DIR --labels CSV` flags used for the classifier diagnosis:
/// `--patience` (early stopping) and `--no-augment`.
final class TrainCLITests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        try KneeflowBinary.require()
        dir = NSTemporaryDirectory() + "kf-train-\(UUID().uuidString)"
        // 8 cases (4 per class) of 2 slices × 16×16 float32 with seeded values.
        var state: UInt64 = 11
        var csv = ""
        for c in 0..<8 {
            var values = [Float](repeating: 0, count: 2 * 16 * 16)
            for i in values.indices {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                values[i] = Float(state >> 40) / Float(1 << 24) * 100
            }
            let caseDir = dir + "/data/c\(c)"
            try FileManager.default.createDirectory(atPath: caseDir, withIntermediateDirectories: true)
            try Data(NpyWriter.encode(float32: values, shape: [2, 16, 16])).write(to: URL(fileURLWithPath: caseDir + "/segmented.npy"))
            csv += "c\(c),\(c % 2)\n"
        }
        try csv.write(toFile: dir + "/labels.csv", atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        if !dir.isEmpty { try? FileManager.default.removeItem(atPath: dir) }
    }

    func train(_ extra: [String]) throws -> KneeflowBinary.Output {
        try KneeflowBinary.run(["train", "--data", dir + "/data", "--labels", dir + "/labels.csv", "--out", dir + "/m.safetensors",
                                "--input-size", "16", "--threads", "1", "--val-fraction", "0.5", "--epochs", "6",
                                "--learning-rate", "1e-12"] + extra, environment: ["OPENBLAS_NUM_THREADS": "1"])
    }

    /// With a learning rate too small to change anything, epoch 1 stays the best: training stops
    /// after `patience` further epochs (default 4 → 5 epochs; `--patience 1` → 2 epochs).
    func testPatienceEndsTrainingAfterThatManyEpochsWithoutImprovement() throws {
        let short = try train(["--patience", "1", "--no-augment"])
        XCTAssertEqual(short.status, 0, short.stderr)
        XCTAssertEqual(short.stderr.split(separator: "\n").filter { $0.hasPrefix("epoch ") }.count, 2, short.stderr)
        XCTAssertTrue(short.stderr.contains("early stop"), short.stderr)
        let standard = try train([])
        XCTAssertEqual(standard.status, 0, standard.stderr)
        XCTAssertEqual(standard.stderr.split(separator: "\n").filter { $0.hasPrefix("epoch ") }.count, 5, standard.stderr)
    }

    func testPatienceBelowOneIsAUsageError() throws {
        XCTAssertEqual(try train(["--patience", "0"]).status, 64)
    }
}
