import Dispatch
import XCTest
import Classifier
import Common
import Imaging
import Phantom
@testable import Pipeline

/// The method end to end, in process: synthetic volumes and labels only (no ground truth) →
/// the imaging chain → the classifier trained on the segmented images → held-out AUC.
/// Fixed seeds and thread counts, so the outcome is the same on every run of this machine kind;
/// it fails if the chain drops the ligament again, if the field of view misses the notch, or if
/// training stops learning. 128-px phantoms keep it to a minute or two.
final class ClassifierLearnsTests: XCTestCase {
    func samples(_ spec: CohortSpec, _ d: CohortSpec.Dataset) throws -> [TrainingSample] {
        let labels = spec.labels(for: d)
        let out = Locked([Result<TrainingSample, any Error>?](repeating: nil, count: d.count))
        DispatchQueue.concurrentPerform(iterations: 2) { t in
            for i in stride(from: t, to: d.count, by: 2) {
                let r = Result<TrainingSample, any Error> {
                    let c = try Cohort.generate(spec, dataset: d, index: i)
                    let v = try Volume(slices: c.slices, height: c.height, width: c.width, data: c.volume.map(Float.init))
                    let r = try Preprocessor.run(v, options: PreprocessOptions())
                    return TrainingSample(id: "\(d.name)/\(CohortSpec.caseID(i, count: d.count))", input: r.segmented,
                                          label: labels[i] ? 1 : 0, landmarks: r.landmarks)
                }
                out.withLock { $0[i] = r }
            }
        }
        return try out.value.map { try $0!.get() }
    }

    func testClassifierLearnsTheLigamentFromVolumesAndLabels() throws {
        let train = CohortSpec.Dataset(name: "train", count: 400), held = CohortSpec.Dataset(name: "held", count: 200)
        let spec = CohortSpec(datasets: [train, held], seed: 5, size: 128, slices: 16...24)
        let trainSet = try samples(spec, train), heldSet = try samples(spec, held)
        var o = TrainOptions()
        o.seed = 7; o.epochs = 12; o.patience = 12; o.threads = 2
        o.architecture.inputSize = 48
        o.architecture.cropFraction = 0.375; o.architecture.cropCentre = .joint; o.architecture.inputEncoding = .support
        let trained = try Training.train(samples: trainSet, options: o) { print($0) }
        let scores = try heldSet.map { try trained.model.predict($0.input, landmarks: $0.landmarks) }
        let auc = try XCTUnwrap(rocAUC(scores: scores, labels: heldSet.map(\.label)))
        print(String(format: "held-out AUC %.4f (200 cases, %d torn)", auc, heldSet.filter { $0.label == 1 }.count))
        XCTAssertGreaterThan(auc, 0.65, "the classifier must learn the ligament from volumes and labels")
    }
}

