import Foundation
import XCTest
import Imaging
@testable import Classifier
import TestSupport

/// The classifier's field of view: crop windows, the knee landmarks they centre on, the support
/// encoding, and class activation maps placed back where the network looked.
final class FieldOfViewTests: XCTestCase {
    func testWindowsByHand() {
        // Centred: floor convention, as before.
        XCTAssertEqual(CropWindow.centred(height: 8, width: 8, fraction: 0.5), CropWindow(y0: 2, x0: 2, height: 4, width: 4))
        // Around a foreground block of rows 1…2, columns 5…7 of a 10×10 plane: centroid (2, 6.5)
        // in pixel-centre units (1.5 + ½, 6 + ½); a 4×4 window starts at ⌊2 − 2⌋ = 0, ⌊6.5 − 2⌋ = 4.
        var mask = [UInt8](repeating: 0, count: 100)
        for y in 1...2 { for x in 5...7 { mask[y * 10 + x] = 1 } }
        XCTAssertEqual(CropWindow.aroundForeground(mask, height: 10, width: 10, fraction: 0.4), CropWindow(y0: 0, x0: 4, height: 4, width: 4))
        // Near an edge the window moves inside the plane; an empty mask falls back to the centre.
        XCTAssertEqual(CropWindow.around(row: 9, column: 0, height: 10, width: 10, fraction: 0.4), CropWindow(y0: 6, x0: 0, height: 4, width: 4))
        XCTAssertEqual(CropWindow.aroundForeground([UInt8](repeating: 0, count: 100), height: 10, width: 10, fraction: 0.4),
                       CropWindow.centred(height: 10, width: 10, fraction: 0.4))
        // Cropping copies exactly the window.
        var v = Volume(zeros: 2, 5, 6)
        for s in 0..<2 { for y in 0..<5 { for x in 0..<6 { v[s, y, x] = Float(100 * s + 10 * y + x) } } }
        let c = CropWindow(y0: 1, x0: 2, height: 2, width: 3).crop(v)
        XCTAssertEqual(c.data, [12, 13, 14, 22, 23, 24, 112, 113, 114, 122, 123, 124])
    }

    func testJointWindowSitsTwoThirdsAboveTheAnchor() throws {
        var a = Architecture(inputSize: 16, blocks: [.init(channels: 2, kernel: 3, stride: 1, pool: false)])
        a.cropFraction = 0.375; a.cropCentre = .joint
        let v = Volume(zeros: 1, 64, 64)
        let w = try InputPreparation.window(for: v, architecture: a, landmarks: KneeLandmarks(anchor: KneeAnchor(row: 40, column: 30)))
        // 24×24 window; its centre row 40 − 24/6 = 36 → rows 24 ..< 48: 16 rows above the anchor, 8 below.
        XCTAssertEqual(w, CropWindow(y0: 24, x0: 18, height: 24, width: 24))
        XCTAssertThrowsError(try InputPreparation.window(for: v, architecture: a, landmarks: nil)) {
            XCTAssertEqual(($0 as? ClassifierError)?.code, .argument)
        }
        a.cropCentre = .foreground
        XCTAssertThrowsError(try InputPreparation.window(for: v, architecture: a, landmarks: KneeLandmarks(foreground: [1, 0])))
    }

    func testSupportEncodingCountsKeptPixels() {
        // A 4×4 plane with kept values of any size on the left half; 2× area averaging to 2×2.
        var v = Volume(zeros: 1, 4, 4)
        for y in 0..<4 { v[0, y, 0] = 37; v[0, y, 1] = 250 }
        v[0, 0, 2] = 3
        let t = InputPreparation.prepare(v, size: 2, window: .whole(height: 4, width: 4), encoding: .support)
        assertAllClose(t.data, [1, 0.25, 1, 0], abs: 1e-6)
        let i = InputPreparation.prepare(v, size: 2, window: .whole(height: 4, width: 4), encoding: .intensity)
        XCTAssertNotEqual(i.data, t.data)
    }

    func testArchitectureStoresNewKeysOnlyWhenNotDefault() throws {
        var a = Architecture.default
        for key in ["cropCentre", "spatialPool", "inputEncoding"] { XCTAssertFalse(a.json().contains(key), key) }
        a.cropCentre = .joint; a.spatialPool = .max; a.inputEncoding = .support; a.batchNorm = .off
        let back = try Architecture.parse(json: a.json())
        XCTAssertEqual(back, a)
    }

    /// A hand-built network that answers to brightness (every convolution weight positive, batch
    /// norm off, positive linear weight): its class activation map must peak on the bright spot,
    /// in the volume's own coordinates, whatever window the crop took.
    func testCAMPeakLandsOnTheBrightSpotUnderACrop() throws {
        let arch = Architecture(inputSize: 16, blocks: [
            .init(channels: 2, kernel: 3, stride: 1, pool: true),
            .init(channels: 2, kernel: 3, stride: 1, pool: false),
        ], dropout: 0, batchNorm: .off, cropFraction: 0.5, cropCentre: .joint)
        let net = try Network(architecture: arch, seed: 1)
        for p in net.parameters {
            if p.name.hasSuffix("conv.weight") || p.name == "fc.weight" { p.value = p.value.map { _ in 0.1 } }
            if p.name.hasSuffix("bn.bias") || p.name == "fc.bias" { p.value = p.value.map { _ in 0 } }
        }
        let model = Model(network: net)
        for (spotY, spotX, anchor) in [(20, 40, KneeAnchor(row: 26, column: 38)), (40, 12, KneeAnchor(row: 46, column: 16))] {
            var v = Volume(zeros: 2, 64, 64)
            for s in 0..<2 { for y in 0..<64 { for x in 0..<64 { v[s, y, x] = 1 } } }
            for y in (spotY - 1)...(spotY + 1) { for x in (spotX - 1)...(spotX + 1) { v[1, y, x] = 50 } }
            let window = try model.window(for: v, landmarks: KneeLandmarks(anchor: anchor))
            XCTAssertTrue(window.fits(height: 64, width: 64))
            let cam = model.cam(v, window: window)
            XCTAssertEqual(cam.window, window)
            let peak = cam.pooledPeak(height: 64, width: 64)
            XCTAssertLessThanOrEqual(abs(peak.y - spotY), 3, "peak \(peak) vs spot (\(spotY), \(spotX)) in window \(window)")
            XCTAssertLessThanOrEqual(abs(peak.x - spotX), 3, "peak \(peak) vs spot (\(spotY), \(spotX)) in window \(window)")
            XCTAssertEqual(cam.winningSlice, 1)
            // Nothing is drawn outside the field of view.
            let full = cam.onSlice(cam.pooled, height: 64, width: 64)
            for y in 0..<64 { for x in 0..<64 where !(window.y0..<(window.y0 + window.height)).contains(y) || !(window.x0..<(window.x0 + window.width)).contains(x) {
                XCTAssertEqual(full[y * 64 + x], 0)
            } }
            // The CAM's probability is the model's.
            assertClose(cam.probability, try model.predict(v, landmarks: KneeLandmarks(anchor: anchor)), rel: 1e-5)
        }
    }

    func testCAMProbabilityMatchesPredictionWithMaxPooling() throws {
        var arch = tinyArchitecture()
        arch.spatialPool = .max
        let model = Model(network: try Network(architecture: arch, seed: 5))
        let v = toyVolume(seed: 3, positive: true)
        assertClose(model.cam(v).probability, model.predict(v), rel: 1e-5)
    }
}

final class LandmarkFilesTests: XCTestCase {
    func testAnchorFromBothMetricsLayouts() throws {
        let job = #"{"preprocess":{"kneeAnchor":{"row":120,"column":97},"nmfRank":10},"variant":"seg"}"#
        let single = #"{"kneeAnchor":{"column":3,"row":4},"nmfRank":10}"#
        XCTAssertEqual(try TrainingSet.anchor(metricsJSON: Data(job.utf8)), KneeAnchor(row: 120, column: 97))
        XCTAssertEqual(try TrainingSet.anchor(metricsJSON: Data(single.utf8)), KneeAnchor(row: 4, column: 3))
        XCTAssertNil(try TrainingSet.anchor(metricsJSON: Data(#"{"variant":"seg"}"#.utf8)))
        XCTAssertThrowsError(try TrainingSet.anchor(metricsJSON: Data("not json".utf8)))
    }
}
