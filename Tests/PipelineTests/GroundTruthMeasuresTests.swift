import XCTest
import Imaging
import TestSupport
@testable import Pipeline

/// Hand-built cases: every measure computed by hand on a 2-slice, 2×3 volume with K = 2.
final class GroundTruthMeasuresTests: XCTestCase {
    /// Pixels 0…5 of a 2×3 plane. ACL: slice 0 pixels 0, 1; slice 1 pixel 1 → a = (2, 1),
    /// P = {0, 1}, 3 voxels.
    func aclMask() throws -> Volume {
        var m = Volume(zeros: 2, 2, 3)
        m[0, 0, 0] = 1; m[0, 0, 1] = 1; m[1, 0, 1] = 1
        return m
    }

    /// W rows: slice 0 = (1, 0.1), slice 1 = (0, 1). H_0 ≡ 1 (mean 1); H_1 = 1 2 3 3 2 1 (mean 2).
    /// Σ_s a(s)·W[s,k]·mean(H_k): k=0: (2·1 + 1·0)·1 = 2; k=1: (2·0.1 + 1·1)·2 = 2.4 → k* = 1.
    let weights: [Float] = [1, 0.1, 0, 1]
    func base(h1: [Float] = [1, 2, 3, 3, 2, 1]) throws -> Volume {
        try Volume(slices: 2, height: 2, width: 3, data: [1, 1, 1, 1, 1, 1] + h1)
    }

    func testKStarWeighsTheBaseImagesMean() throws {
        XCTAssertEqual(try GroundTruthMeasures.kStar(aclMask: try aclMask(), weights: weights, base: try base()), 1)
        // H_1 with mean 1: k=1 scores 1.2 < 2 → k* = 0 (W alone would not decide it this way).
        XCTAssertEqual(try GroundTruthMeasures.kStar(aclMask: try aclMask(), weights: weights, base: try base(h1: [1, 1, 1, 1, 1, 1])), 0)
        // A tie goes to the lowest k: W = (1, 1) on both slices, equal means.
        XCTAssertEqual(try GroundTruthMeasures.kStar(aclMask: try aclMask(), weights: [1, 1, 1, 1], base: try base(h1: [1, 1, 1, 1, 1, 1])), 0)
        XCTAssertThrowsError(try GroundTruthMeasures.kStar(aclMask: Volume(zeros: 2, 2, 3), weights: weights, base: try base()))
        XCTAssertThrowsError(try GroundTruthMeasures.kStar(aclMask: try aclMask(), weights: [1, 2, 3], base: try base()))
    }

    func testEveryMeasureOfAHandCase() throws {
        // V: slice 0 = 10 20 0 0 0 0, slice 1 = 0 30 0 0 0 60 → mean 10; on A: (10+20+30)/3 = 20 → raw 2.
        let volume = try Volume(slices: 2, height: 2, width: 3, data: [10, 20, 0, 0, 0, 0, 0, 30, 0, 0, 0, 60])
        // F_1 = 1 0 1 1 1 0 (F_0 empty): P ∩ F_1 = {0} → coverage 1/2; foreground 4/6.
        let masks: [UInt8] = [0, 0, 0, 0, 0, 0] + [1, 0, 1, 1, 1, 0]
        // G_1 = 5 0 0 7 0 0 (G_0 ≡ 9, must not matter): kept on P = {0} → 1/2; mean on P 2.5, mean 2 → 1.25.
        let seg = try Volume(slices: 2, height: 2, width: 3, data: [9, 9, 9, 9, 9, 9] + [5, 0, 0, 7, 0, 0])
        // B: air = pixels 4, 5; pixel 4 is in F_1 → air 1/2.
        let body = try Volume(slices: 1, height: 2, width: 3, data: [1, 1, 1, 1, 0, 0])
        let m = try GroundTruthMeasures.measure(volume: volume, base: try base(), masks: masks, segmented: seg, weights: weights,
                                                aclMask: try aclMask(), bodyMask: body)
        XCTAssertEqual(m.kStar, 1)
        XCTAssertEqual(m.aclVoxels, 3)
        XCTAssertEqual(m.aclPixels, 2)
        XCTAssertEqual(m.coveredPixels, 1)
        XCTAssertEqual(m.coverage, 0.5, accuracy: 1e-12)
        XCTAssertEqual(m.air, 0.5, accuracy: 1e-12)
        XCTAssertEqual(m.foregroundFraction, 4.0 / 6.0, accuracy: 1e-12)
        XCTAssertEqual(m.kept, 0.5, accuracy: 1e-12)
        XCTAssertEqual(m.scores.raw, 2.0, accuracy: 1e-12)
        // H_1 on P: (1 + 2)/2 = 1.5, mean 2 → 0.75.
        XCTAssertEqual(m.scores.base, 0.75, accuracy: 1e-12)
        XCTAssertEqual(m.scores.segKept, -0.5, accuracy: 1e-12)
        XCTAssertEqual(m.scores.segRatio, 1.25, accuracy: 1e-12)
    }

    func testAllZeroSegmentationAndNoAirAreZeroNotNaN() throws {
        let volume = try Volume(slices: 2, height: 2, width: 3, data: [Float](repeating: 1, count: 12))
        let m = try GroundTruthMeasures.measure(volume: volume, base: try base(), masks: [UInt8](repeating: 1, count: 12),
                                                segmented: Volume(zeros: 2, 2, 3), weights: weights, aclMask: try aclMask(),
                                                bodyMask: try Volume(slices: 1, height: 2, width: 3, data: [1, 1, 1, 1, 1, 1]))
        XCTAssertEqual(m.coverage, 1)
        XCTAssertEqual(m.air, 0)
        XCTAssertEqual(m.kept, 0)
        XCTAssertEqual(m.scores.segRatio, 0)
        XCTAssertEqual(m.scores.raw, 1, accuracy: 1e-12)
    }

    func testShapeMismatchesAreInputErrors() throws {
        let volume = try Volume(slices: 2, height: 2, width: 3, data: [Float](repeating: 1, count: 12))
        let masks = [UInt8](repeating: 1, count: 12)
        let body = try Volume(slices: 1, height: 2, width: 3, data: [1, 1, 1, 1, 1, 1])
        XCTAssertThrowsError(try GroundTruthMeasures.measure(volume: volume, base: try base(), masks: masks, segmented: Volume(zeros: 2, 2, 3),
                                                             weights: weights, aclMask: Volume(zeros: 3, 2, 3), bodyMask: body)) { e in
            XCTAssertEqual((e as? PipelineError)?.code, .input)
        }
        XCTAssertThrowsError(try GroundTruthMeasures.measure(volume: volume, base: try base(), masks: masks, segmented: Volume(zeros: 2, 2, 3),
                                                             weights: weights, aclMask: try aclMask(), bodyMask: Volume(zeros: 1, 3, 2)))
        XCTAssertThrowsError(try GroundTruthMeasures.measure(volume: volume, base: try base(), masks: [1, 1], segmented: Volume(zeros: 2, 2, 3),
                                                             weights: weights, aclMask: try aclMask(), bodyMask: body))
    }
}
