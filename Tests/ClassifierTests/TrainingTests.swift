import XCTest
import Imaging
@testable import Classifier

final class TrainingTests: XCTestCase {
    func samples(positives: Int, negatives: Int) -> [TrainingSample] {
        (0..<(positives + negatives)).map { i in
            let positive = i < positives
            return TrainingSample(id: String(format: "c%02d", i), input: toyVolume(seed: UInt64(50 + i), positive: positive),
                                  label: positive ? 1 : 0, sha256: "h\(i)")
        }
    }

    func options() -> TrainOptions {
        var o = TrainOptions()
        o.architecture = tinyArchitecture(); o.batchSize = 4; o.augmentation = .none; o.threads = 2
        return o
    }

    /// Positive-class weight n₋/n₊ comes from the training split only: 16 negatives and 4
    /// positives with a 25% stratified hold-out leave 12 and 3 → weight 4.
    func testClassWeightFromTrainingLabels() throws {
        var o = options(); o.epochs = 1; o.validationFraction = 0.25
        let t = try Training.train(samples: samples(positives: 4, negatives: 16), options: o) { _ in }
        XCTAssertEqual(t.trainingIDs.count, 15); XCTAssertEqual(t.validationIDs.count, 5)
        XCTAssertEqual(t.model.metadata["positive_weight"], "4.000000")
    }

    /// With a learning rate too small to change anything, validation AUC and loss never improve
    /// on epoch 1: training stops after `patience` further epochs and keeps epoch 1's weights.
    func testEarlyStoppingKeepsBestEpoch() throws {
        var o = options(); o.epochs = 30; o.patience = 2; o.validationFraction = 0.25; o.learningRate = 1e-12
        o.finalLearningRateFraction = 1
        var lines: [String] = []
        let t = try Training.train(samples: samples(positives: 8, negatives: 8), options: o) { lines.append($0) }
        XCTAssertLessThanOrEqual(t.history.count, 30)
        XCTAssertEqual(t.history.count, t.bestEpoch + 2)
        XCTAssertTrue(lines.last?.hasPrefix("early stop") ?? false, lines.last ?? "")
        XCTAssertEqual(lines.filter { $0.hasPrefix("epoch ") }.count, t.history.count)
        XCTAssertEqual(t.model.metadata["best_epoch"], String(t.bestEpoch))
    }

    func testBadInputsAreRejected() {
        var o = options(); o.epochs = 1
        let one = samples(positives: 0, negatives: 4)
        XCTAssertThrowsError(try Training.train(samples: one, options: o) { _ in }) { XCTAssertEqual(($0 as? ClassifierError)?.code, .argument) }
        var bad = samples(positives: 2, negatives: 2); bad[0].label = 2
        XCTAssertThrowsError(try Training.train(samples: bad, options: o) { _ in }) { XCTAssertEqual(($0 as? ClassifierError)?.code, .argument) }
        o.threads = 0
        XCTAssertThrowsError(try Training.train(samples: samples(positives: 2, negatives: 2), options: o) { _ in })
    }
}
