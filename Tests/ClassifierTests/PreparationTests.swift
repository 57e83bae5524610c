import XCTest
import Imaging
import TestSupport
@testable import Classifier

final class PreparationTests: XCTestCase {
    func testDownsamplingByTwoIsTheTwoByTwoMean() {
        var rng = SplitMix64(seed: 1)
        let src = (0..<(2 * 8 * 6)).map { _ in Float(rng.uniform(0, 10)) }
        let out = resizePlanes(src, count: 2, h: 8, w: 6, oh: 4, ow: 3)
        for p in 0..<2 { for y in 0..<4 { for x in 0..<3 {
            let b = p * 48
            let m = (src[b + 2 * y * 6 + 2 * x] + src[b + 2 * y * 6 + 2 * x + 1] + src[b + (2 * y + 1) * 6 + 2 * x] + src[b + (2 * y + 1) * 6 + 2 * x + 1]) / 4
            assertClose(out[(p * 4 + y) * 3 + x], m, abs: 1e-5)
        } } }
    }

    func testNonIntegerDownsamplingPreservesMeanAndUpsamplingIsLinear() {
        let src = (0..<10).map { Float($0) }
        let down = resizePlanes(src, count: 1, h: 1, w: 10, oh: 1, ow: 4)
        assertClose(down.reduce(0, +) / 4, 4.5, abs: 1e-5)        // area weights sum to 1 per output
        assertClose(down[0], (0 + 1 + 0.5 * 2) / 2.5, abs: 1e-5)    // covers [0, 2.5)
        let up = resizePlanes([0, 10], count: 1, h: 1, w: 2, oh: 1, ow: 4)
        assertAllClose(up, [0, 2.5, 7.5, 10], abs: 1e-5)           // centres at −0.25, 0.25, 0.75, 1.25 → clamped
    }

    func testPercentileAndNormalisation() throws {
        let v = (1...1000).map { Float($0) }
        let p = InputPreparation.percentile99(v)
        XCTAssert(abs(p - 990) <= 999.0 / 4096 + 1e-3, "\(p)")
        let vol = try Volume(slices: 1, height: 10, width: 100, data: v)
        let t = InputPreparation.prepare(vol, size: 10)
        XCTAssertEqual(t.shape, [1, 1, 10, 10])
        XCTAssert(t.data.allSatisfy { $0 >= 0 && $0 <= 1 })
        XCTAssertEqual(t.data.max(), 1)
        let zero = InputPreparation.prepare(Volume(zeros: 2, 4, 4), size: 8)
        XCTAssertEqual(zero.data, [Float](repeating: 0, count: 128))
    }

    func testAugmentationIsSameForEverySliceAndFlipMirrors() {
        var rng = SplitMix64(seed: 4)
        let plane = (0..<(9 * 9)).map { _ in Float(rng.uniform(0, 1)) }
        let x = Tensor(shape: [3, 1, 9, 9], data: plane + plane + plane)
        var r = SplitMix64(seed: 7)
        let y = Augmentation().apply(x, rng: &r)
        XCTAssertEqual(Array(y.data[0..<81]), Array(y.data[81..<162]))
        XCTAssertEqual(Array(y.data[0..<81]), Array(y.data[162..<243]))
        XCTAssertNotEqual(y.data, x.data)
        let flipped = Augmentation.transform(x, angle: 0, shiftX: 0, shiftY: 0, flip: true)
        for yy in 0..<9 { for xx in 0..<9 { XCTAssertEqual(flipped.data[yy * 9 + xx], plane[yy * 9 + 8 - xx]) } }
        let shifted = Augmentation.transform(x, angle: 0, shiftX: 2, shiftY: 0, flip: false)
        XCTAssertEqual(shifted.data[4 * 9 + 5], plane[4 * 9 + 3]); XCTAssertEqual(shifted.data[4 * 9 + 0], 0)
        // A 90° rotation about the centre maps (x, y) → (8 − y, x) exactly on a 9×9 grid.
        let rot = Augmentation.transform(x, angle: Double.pi / 2, shiftX: 0, shiftY: 0, flip: false)
        assertClose(rot.data[2 * 9 + 6], plane[(8 - 6) * 9 + 2], abs: 1e-5)
        var r2 = SplitMix64(seed: 7)
        XCTAssertEqual(Augmentation.none.apply(x, rng: &r2), x)
    }

    func testAUCKnownAnswers() {
        XCTAssertEqual(rocAUC(scores: [0.1, 0.4, 0.35, 0.8], labels: [0, 0, 1, 1]), 0.75)
        XCTAssertEqual(rocAUC(scores: [0.5, 0.5], labels: [0, 1]), 0.5)
        XCTAssertEqual(rocAUC(scores: [1, 2, 3], labels: [0, 0, 1]), 1)
        XCTAssertNil(rocAUC(scores: [1, 2], labels: [1, 1]))
    }

    func testStratifiedSplitKeepsBothClassesAndIsSeeded() {
        let samples = (0..<20).map { TrainingSample(id: "\($0)", input: Volume(zeros: 1, 2, 2), label: $0 < 5 ? 1 : 0) }
        let (tr, va) = Training.split(samples, fraction: 0.2, seed: 3)
        XCTAssertEqual(va.count, 4); XCTAssertEqual(tr.count, 16)
        XCTAssertEqual(va.filter { samples[$0].label == 1 }.count, 1)
        XCTAssertEqual(Set(tr).union(va), Set(0..<20))
        XCTAssertEqual(Training.split(samples, fraction: 0.2, seed: 3).1, va)
    }
}

/// `cropFraction` (centre crop before resizing), recorded in the architecture.
final class CropPreparationTests: XCTestCase {
    /// Slice s, row y, column x holds 100·s + 10·y + x + 1.
    func ramp(slices: Int, size: Int) -> Volume {
        var v = Volume(zeros: slices, size, size)
        for s in 0..<slices { for y in 0..<size { for x in 0..<size { v[s, y, x] = Float(100 * s + 10 * y + x + 1) } } }
        return v
    }

    func testHalfCropOfEightByEightKeepsTheCentralFourByFour() throws {
        let v = ramp(slices: 2, size: 8)
        var centre = Volume(zeros: 2, 4, 4)
        for s in 0..<2 { for y in 0..<4 { for x in 0..<4 { centre[s, y, x] = v[s, y + 2, x + 2] } } }
        let cropped = InputPreparation.prepare(v, size: 4, cropFraction: 0.5)
        let reference = InputPreparation.prepare(centre, size: 4)
        XCTAssertEqual(cropped.shape, [2, 1, 4, 4])
        assertAllClose(cropped.data, reference.data, abs: 0)
        // Slice 0's corner is pixel (2, 2) = 23, the largest kept value is 100 + 55 + 1 = 156:
        // before normalisation the crop holds 23…156, so its first sample is 23 / p99 (p99 ≤ 156).
        XCTAssertGreaterThan(cropped.data[0], 23.0 / 156.0 - 1e-6)
        XCTAssertEqual(InputPreparation.prepare(v, size: 4, cropFraction: 1).data,
                       InputPreparation.prepare(v, size: 4).data)
    }

    func testOddCropIsCentredWithTheFloor() throws {
        // 5×5 at 0.6 → 3×3 starting at (1, 1); enlarging 3 → 3 is the identity before scaling.
        let v = ramp(slices: 1, size: 5)
        let x = InputPreparation.prepare(v, size: 3, cropFraction: 0.6)
        let kept: [Float] = [12, 13, 14, 22, 23, 24, 32, 33, 34]
        let scale = x.data[8] > 0 ? kept[8] / x.data[8] : 1   // the largest value maps to ≤ 1
        assertAllClose(x.data.map { $0 * scale }, kept, abs: 1e-3)
    }

    func testArchitectureStoresTheCropOnlyWhenBelowOne() throws {
        var a = Architecture.default
        XCTAssertFalse(a.json().contains("cropFraction"), "default model files stay as before")
        XCTAssertEqual(try Architecture.parse(json: a.json()).cropFraction, 1)
        a.cropFraction = 0.5
        XCTAssertTrue(a.json().contains("\"cropFraction\":0.5"), a.json())
        XCTAssertEqual(try Architecture.parse(json: a.json()), a)
        for bad in [0.0, -0.1, 1.5] {
            a.cropFraction = bad
            XCTAssertThrowsError(try Architecture.parse(json: a.json())) {
                XCTAssertEqual(($0 as? ClassifierError)?.code, .architecture)
            }
        }
    }

    func testModelAppliesTheCropOfItsArchitecture() throws {
        var arch = tinyArchitecture()
        arch.cropFraction = 0.5
        let model = Model(network: try Network(architecture: arch, seed: 2))
        let v = toyVolume(seed: 4, positive: true, size: 32)
        XCTAssertEqual(model.prepare(v).data, InputPreparation.prepare(v, size: 16, cropFraction: 0.5).data)
        let loaded = try Model.decode(model.encode())
        XCTAssertEqual(loaded.architecture.cropFraction, 0.5)
        XCTAssertEqual(loaded.predict(v), model.predict(v))
    }
}
