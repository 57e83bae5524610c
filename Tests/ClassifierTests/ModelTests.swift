import XCTest
import Imaging
import TestSupport
@testable import Classifier

/// A network small enough for unit tests: 16×16 input, two blocks.
func tinyArchitecture() -> Architecture {
    Architecture(inputSize: 16, blocks: [
        .init(channels: 4, kernel: 3, stride: 1, pool: true),
        .init(channels: 8, kernel: 3, stride: 1, pool: false),
    ], dropout: 0)
}

/// Separable toy volumes: positives have a bright 5×5 square on one slice, negatives only noise.
func toyVolume(seed: UInt64, positive: Bool, slices: Int = 3, size: Int = 16) -> Volume {
    var rng = SplitMix64(seed: seed)
    var v = Volume(zeros: slices, size, size)
    let s0 = rng.below(slices), y0 = 2 + rng.below(size - 8), x0 = 2 + rng.below(size - 8)
    for s in 0..<slices { for y in 0..<size { for x in 0..<size {
        var val = Float(20 + 30 * rng.nextUnit())
        let inside = y >= y0 && y < y0 + 5 && x >= x0 && x < x0 + 5
        if positive && s == s0 && inside { val += 200 }
        v[s, y, x] = val
    } } }
    return v
}

final class ModelTests: XCTestCase {
    func trainedToyModel(threads: Int = 2, seed: UInt64 = 1) throws -> (TrainedModel, [TrainingSample]) {
        var samples: [TrainingSample] = []
        for i in 0..<16 {
            let positive = i % 2 == 0
            samples.append(TrainingSample(id: "c\(i)", input: toyVolume(seed: UInt64(i), positive: positive), label: positive ? 1 : 0))
        }
        var o = TrainOptions()
        o.architecture = tinyArchitecture(); o.epochs = 25; o.batchSize = 4; o.learningRate = 0.01
        o.validationFraction = 0; o.threads = threads; o.seed = seed; o.augmentation = .none; o.patience = 25
        o.pipelineConfigSHA256 = String(repeating: "ab", count: 32)
        return (try Training.train(samples: samples, options: o) { _ in }, samples)
    }

    func testTinyNetworkFitsSeparableSetToTrainingAUCOne() throws {
        let (trained, samples) = try trainedToyModel()
        let scores = samples.map { trained.model.predict($0.input) }
        XCTAssertEqual(rocAUC(scores: scores, labels: samples.map(\.label)), 1.0)
        XCTAssertLessThan(trained.history.last!.trainLoss, trained.history.first!.trainLoss)
        let m = trained.model.metadata
        XCTAssertEqual(m["seed"], "1"); XCTAssertEqual(m["pipeline_config_sha256"], String(repeating: "ab", count: 32))
        XCTAssertEqual(m["training_data_sha256"]?.count, 64)
        let curve = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try XCTUnwrap(m["learning_curve"]).utf8)) as? [[String: Any]])
        XCTAssertEqual(curve.map { $0["epoch"] as? Int }, trained.history.map(\.epoch))
        // JSON text round trip: equal to ~1e-15 relative (the last printed digit may differ).
        for (c, h) in zip(curve, trained.history) {
            let loss = try XCTUnwrap(c["trainLoss"] as? Double)
            XCTAssertLessThan(abs(loss - h.trainLoss), 1e-12 * max(1, abs(h.trainLoss)))
        }
        XCTAssertTrue(curve.allSatisfy { $0["seconds"] == nil }, "no wall times in the model file")
    }

    func testTrainingIsDeterministicForSeedAndThreads() throws {
        let (a, _) = try trainedToyModel(threads: 2)
        let (b, _) = try trainedToyModel(threads: 2)
        XCTAssertEqual(a.model.tensors(), b.model.tensors())
        XCTAssertEqual(a.model.encode(), b.model.encode(), "the same seed gives the same model file byte for byte")
        let (c, _) = try trainedToyModel(threads: 2, seed: 2)
        XCTAssertNotEqual(a.model.tensors(), c.model.tensors())
    }

    func testSaveLoadGivesIdenticalOutputs() throws {
        let (trained, samples) = try trainedToyModel()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kf-model-\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("m.safetensors").path
        try trained.model.save(path: path, metadata: ["extra": "1"])
        let loaded = try Model.load(path: path)
        XCTAssertEqual(loaded.architecture, tinyArchitecture())
        XCTAssertEqual(loaded.metadata["extra"], "1"); XCTAssertEqual(loaded.metadata["input_size"], "16")
        XCTAssertEqual(loaded.tensors(), trained.model.tensors())
        for s in samples { XCTAssertEqual(loaded.predict(s.input), trained.model.predict(s.input)) }
    }

    func modelError(_ mutate: (inout [String: SafeTensors.Entry], inout [String: String]) -> Void) throws -> ClassifierError.Code? {
        let model = Model(network: try Network(architecture: tinyArchitecture(), seed: 1))
        var t = model.tensors()
        var m = ["architecture": tinyArchitecture().json()]
        mutate(&t, &m)
        do { _ = try Model.decode(SafeTensors.encode(t, metadata: m)); return nil } catch let e as ClassifierError { return e.code }
    }

    func testMalformedModelsGetTheirErrors() throws {
        XCTAssertNil(try modelError { _, _ in })
        XCTAssertEqual(try modelError { _, m in m["architecture"] = nil }, .architecture)
        XCTAssertEqual(try modelError { _, m in m["architecture"] = "{" }, .architecture)
        XCTAssertEqual(try modelError { _, m in m["architecture"] = m["architecture"]!.replacingOccurrences(of: "\"inputSize\":16", with: "\"inputSize\":2") }, .architecture)
        XCTAssertEqual(try modelError { t, _ in t["fc.weight"] = nil }, .missingTensor)
        XCTAssertEqual(try modelError { t, _ in t["extra"] = .init(shape: [1], values: [0]) }, .unexpectedTensor)
        XCTAssertEqual(try modelError { t, _ in t["fc.bias"] = .init(shape: [2], values: [0, 0]) }, .shape)
        XCTAssertEqual(try modelError { t, _ in t["fc.bias"] = .init(shape: [1], values: [.nan]) }, .value)
        XCTAssertThrowsError(try Model.load(path: "/nonexistent/m.safetensors")) { XCTAssertEqual(($0 as? ClassifierError)?.code, .io) }
    }

    func testCAMDecomposesTheLogit() throws {
        let (trained, samples) = try trainedToyModel()
        let model = trained.model
        for s in samples.prefix(4) {
            let cam = model.cam(s.input)
            XCTAssertEqual(cam.size, 16); XCTAssertEqual(cam.perSlice.count, 3 * 256); XCTAssertEqual(cam.pooled.count, 256)
            // The pooled map's mean + bias is the logit (linear upsampling of a map whose 8×8 cells
            // each cover 2×2 pixels does not preserve the mean exactly, so compare probabilities
            // computed from the un-upsampled maps).
            assertClose(cam.probability, model.predict(s.input), abs: 1e-5)
            XCTAssertEqual(cam.winningSlice, cam.sliceLogits.indices.max { cam.sliceLogits[$0] < cam.sliceLogits[$1] })
        }
        // On a positive toy volume the strongest evidence sits in the bright square's slice.
        let pos = samples[0]
        let cam = model.cam(pos.input)
        var bright = 0
        for s in 1..<3 where pos.input.slice(s).max()! > pos.input.slice(bright).max()! { bright = s }
        XCTAssertEqual(cam.winningSlice, bright)
    }

    func testOverlayRenderingAndFiles() throws {
        let base: [Float] = [0, 50, 100, 200]
        let none = CAMRenderer.overlay(base: base, width: 2, height: 2, heat: [0, 0, 0, 0], heatSize: (2, 2))
        for i in 0..<4 { XCTAssertEqual(none[3 * i], none[3 * i + 1]); XCTAssertEqual(none[3 * i], none[3 * i + 2]) }
        XCTAssertEqual(none[0], 0)
        let hot = CAMRenderer.overlay(base: [0, 0, 0, 0], width: 2, height: 2, heat: [0, 0, 0, 1], heatSize: (2, 2), alpha: 1)
        XCTAssertEqual(Array(hot[9..<12]), [128, 0, 0])     // jet(1) = dark red (0.5, 0, 0)
        XCTAssertEqual(Array(hot[0..<3]), [0, 0, 0])

        let model = Model(network: try Network(architecture: tinyArchitecture(), seed: 1))
        let v = toyVolume(seed: 1, positive: true, size: 32)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kf-cam-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let paths = try CAMRenderer.writeOverlays(volume: v, cam: model.cam(v), directory: dir)
        XCTAssertEqual(paths.count, 4)
        for p in paths {
            let bytes = try XCTUnwrap(FileManager.default.contents(atPath: p))
            XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        }
    }
}
