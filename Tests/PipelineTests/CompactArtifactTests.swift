import Common
import Foundation
import Imaging
import Phantom
import XCTest
@testable import Pipeline

/// The compact artifact format: quantisation error bound against known values, exact storage of
/// the segmented images, determinism, the reader's dequantisation, and the size of a real
/// 256×256 job's artifacts.
final class CompactArtifactTests: XCTestCase {
    private func tempRoot() throws -> String {
        let dir = NSTemporaryDirectory() + "kf-compact-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    /// Image 0 spans [2, 4.55] (step 0.01 exactly representable as the known scale), image 1 is
    /// constant: known offsets and scales, every value back within half a step.
    func testQuantisationKnownAnswerAndErrorBound() throws {
        var data: [Float] = (0..<64).map { 2 + Float($0) * 2.55 / 63 }
        data += Array(repeating: 7.25, count: 64)
        let v = try Volume(slices: 2, height: 8, width: 8, data: data)
        let (bytes, q) = ArtifactQuantisation.quantise(v)
        XCTAssertEqual(q.offset, [2, 7.25])
        XCTAssertEqual(q.scale[0], 0.01, accuracy: 1e-6)
        XCTAssertEqual(q.scale[1], 0)
        XCTAssertEqual(bytes[0], 0); XCTAssertEqual(bytes[63], 255)
        XCTAssertEqual(bytes[32], UInt8((Float(32) * 2.55 / 63 / q.scale[0]).rounded(.toNearestOrEven)))
        let stored = try Volume(slices: 2, height: 8, width: 8, data: bytes.map(Float.init))
        let back = try q.dequantise(stored, name: "t")
        for i in 0..<64 { XCTAssertLessThanOrEqual(abs(back.data[i] - data[i]), q.scale[0] / 2 * 1.0001, "sample \(i)") }
        for i in 64..<128 { XCTAssertEqual(back.data[i], 7.25) }
        // Deterministic: the same volume gives the same bytes and record.
        let again = ArtifactQuantisation.quantise(v)
        XCTAssertEqual(again.bytes, bytes); XCTAssertEqual(again.quantisation, q)
        // A record that does not fit the volume is an error, not a guess.
        XCTAssertThrowsError(try ArtifactQuantisation(offset: [0], scale: [1]).dequantise(stored, name: "t"))
    }

    func testIntegerImagesAreStoredExactly() throws {
        let v = try Volume(slices: 1, height: 2, width: 2, data: [0, 17, 255, 3])
        let e = try XCTUnwrap(ArtifactQuantisation.exact(v))
        XCTAssertEqual(e.bytes, [0, 17, 255, 3]); XCTAssertEqual(e.quantisation.scale, [1]); XCTAssertEqual(e.quantisation.offset, [0])
        XCTAssertNil(ArtifactQuantisation.exact(try Volume(slices: 1, height: 1, width: 2, data: [0.5, 3])))
        XCTAssertNil(ArtifactQuantisation.exact(try Volume(slices: 1, height: 1, width: 2, data: [256, 3])))
    }

    /// A real 256×256 phantom through the chain, written compact and full: the compact job is
    /// under 1 MB, its files are gzip'd uint8 .npy, the reader gives back the float32 values
    /// within half a step (base) and exactly (segmented, mask), and a compact volume without its
    /// quantisation record is refused.
    func testA256JobIsUnderOneMegabyteAndReadsBack() throws {
        let c = try KneePhantom.generate(caseSeed: 7, technique: .train, torn: true, size: 256, slices: 24...24)
        let volume = try Volume(slices: c.slices, height: c.height, width: c.width, data: c.volume.map(Float.init))
        let result = try Preprocessor.run(volume, options: PreprocessOptions())
        let root = try tempRoot()
        var compact = ArtifactWriter(layout: ArtifactLayout(root: root), directory: "c", durable: false, format: .compact)
        var full = ArtifactWriter(layout: ArtifactLayout(root: root), directory: "f", durable: false, format: .full)
        try FileManager.default.createDirectory(atPath: root + "/c", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/f", withIntermediateDirectories: true)
        for format in [ArtifactFormat.compact, .full] {
            var w = format == .compact ? compact : full
            try w.write(result.base, as: .base)
            try w.write(result.segmented, as: .segmented)
            try w.writeMasks(result)
            try w.writePreview(result, thumbnailWidth: format == .full ? 480 : nil)
            if format == .compact { compact = w } else { full = w }
        }
        func bytes(_ w: ArtifactWriter) throws -> Int {
            try w.written.values.reduce(0) { $0 + ((try FileManager.default.attributesOfItem(atPath: root + "/" + $1)[.size] as? Int) ?? 0) }
        }
        let compactBytes = try bytes(compact), fullBytes = try bytes(full)
        XCTAssertLessThan(compactBytes, 1_000_000, "compact job artifacts")
        XCTAssertGreaterThan(fullBytes, 7_000_000, "full job artifacts")
        XCTAssertEqual(compact.written["base"], "c/base.npy.gz")
        XCTAssertNil(compact.written["preview_thumb"])
        XCTAssertEqual(Set(compact.quantisation.keys), ["base", "segmented"])

        let q = compact.quantisation
        let base = try ArtifactReader.volume("c/base.npy.gz", key: "base", root: root, quantisation: q)
        let baseFull = try ArtifactReader.volume("f/base.npy", key: "base", root: root, quantisation: nil)
        XCTAssertEqual(baseFull, result.base)
        let n = base.sliceSize
        for k in 0..<base.slices {
            let bound = q["base"]!.scale[k] / 2 * 1.0001 + 1e-7
            var worst: Float = 0
            for i in (k * n)..<((k + 1) * n) { worst = max(worst, abs(base.data[i] - result.base.data[i])) }
            XCTAssertLessThanOrEqual(worst, bound, "base image \(k)")
        }
        XCTAssertEqual(try ArtifactReader.volume("c/segmented.npy.gz", key: "segmented", root: root, quantisation: q), result.segmented)
        XCTAssertEqual(try ArtifactReader.volume("c/mask.npy.gz", key: "mask", root: root, quantisation: nil).data,
                       result.masks.map(Float.init))
        XCTAssertThrowsError(try ArtifactReader.volume("c/base.npy.gz", key: "base", root: root, quantisation: nil)) {
            XCTAssertTrue("\($0)".contains("quantisation record"), "\($0)")
        }
        // The compact preview is report-sized.
        let png = try ArtifactTree.read("c/preview.png", root: root)
        let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) }
        XCTAssertLessThanOrEqual(width, 512)
    }
}
