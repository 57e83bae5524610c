import Common
import Foundation
import XCTest
import TestSupport
@testable import Imaging

final class PreprocessorTests: XCTestCase {
    /// A small volume: a bright disc drifting across slices over a dim background, plus noise.
    func volume(slices: Int = 8, size: Int = 32, seed: UInt64 = 1) throws -> Volume {
        var rng = SplitMix64(seed)
        var data = [Float](repeating: 0, count: slices * size * size)
        for s in 0..<slices {
            let cx = 8.0 + Double(s) * 2
            for y in 0..<size { for x in 0..<size {
                let d = ((Double(x) - cx) * (Double(x) - cx) + (Double(y) - 16) * (Double(y) - 16)).squareRoot()
                data[(s * size + y) * size + x] = Float((d < 7 ? 180 : 30) + rng.uniform() * 10)
            } }
        }
        return try Volume(slices: slices, height: size, width: size, data: data)
    }

    func testChainShapesAndMetrics() throws {
        var o = PreprocessOptions()
        o.nmf.components = 4
        let r = try Preprocessor.run(try volume(), options: o)
        XCTAssertEqual([r.base.slices, r.base.height, r.base.width], [4, 32, 32])
        XCTAssertEqual(r.masks.count, 4 * 32 * 32)
        XCTAssertEqual(r.labels.count, 4 * 32 * 32)
        XCTAssertTrue(r.masks.allSatisfy { $0 <= 1 })
        XCTAssertTrue(r.normalized.data.allSatisfy { $0 >= 0 && $0 <= 255 })
        for i in r.labels.indices {
            XCTAssertEqual(r.labels[i] == 255, r.masks[i] == 0)
            if r.segmented.data[i] > 0 { XCTAssertLessThan(r.labels[i], 4); XCTAssertEqual(r.segmented.data[i], r.normalized.data[i]) }
        }
        let m = r.metrics
        XCTAssertEqual(m.thresholds.count, 4)
        XCTAssertLessThan(m.nmfRelativeError, 0.2)
        XCTAssertTrue(m.keptFractions.allSatisfy { $0 >= 0 && $0 <= 1 })
        XCTAssertTrue(m.foregroundFractions.allSatisfy { $0 >= 0 && $0 <= 1 })
        assertClose(m.ms.total, m.ms.nmf + m.ms.slice + m.ms.segmentation, rel: 1e-6)
        let json = try JSONEncoder().encode(m)
        XCTAssertEqual(try JSONDecoder().decode(PreprocessMetrics.self, from: json), m)
    }

    func testSameResultWithOneAndTwoThreads() throws {
        // Large enough for several kernel chunks and for OpenBLAS to use both threads.
        let v = try volume(slices: 16, size: 128, seed: 2)
        for coarse in [4, 1] {
            var o = PreprocessOptions(); o.nmf.components = 3; o.nmf.coarseFactor = coarse
            BLAS.setThreads(1)
            let a = try Preprocessor.run(v, options: o)
            BLAS.setThreads(2)
            let b = try Preprocessor.run(v, options: o)
            BLAS.setThreads(1)
            XCTAssertTrue(a.base == b.base, "base images differ (coarse \(coarse))")
            XCTAssertTrue(a.masks == b.masks, "masks differ"); XCTAssertTrue(a.labels == b.labels, "labels differ")
            XCTAssertTrue(a.segmented == b.segmented, "segmentations differ")
            XCTAssertEqual(a.metrics.nmfIterations, b.metrics.nmfIterations)
        }
    }

    func testFewerSlicesThanComponents() throws {
        var o = PreprocessOptions(); o.nmf.components = 5
        let r = try Preprocessor.run(try volume(slices: 2), options: o)
        XCTAssertEqual(r.metrics.nmfRank, 2)
        XCTAssertGreaterThanOrEqual(r.metrics.zeroComponents, 3)
        XCTAssertGreaterThanOrEqual(r.metrics.emptyForeground, 3)  // zero base images: nothing to segment
        XCTAssertEqual(r.base.slices, 5)
    }

    func testRejectsZeroAndNegativeVolumes() throws {
        XCTAssertThrowsError(try Preprocessor.run(Volume(zeros: 3, 8, 8), options: .init())) { e in
            XCTAssertEqual((e as? ImagingError)?.code, .value)
        }
        var v = try volume()
        v.data[5] = -1
        XCTAssertThrowsError(try Preprocessor.run(v, options: .init())) { e in
            XCTAssertEqual((e as? ImagingError)?.code, .value)
        }
    }

    func testMontageSize() throws {
        var o = PreprocessOptions(); o.nmf.components = 3
        let r = try Preprocessor.run(try volume(), options: o)
        let p = Montage.preview(r)
        XCTAssertEqual(p.width, 3 * 32 + 4 * Montage.gap)
        XCTAssertEqual(p.height, 3 * 32 + 4 * Montage.gap)
        XCTAssertEqual(p.rgb.count, p.width * p.height * 3)
        // Every pixel against the definition, written out per pixel.
        let (k, h, w) = (r.base.slices, r.base.height, r.base.width), px = h * w, gap = Montage.gap
        var expected = [UInt8](repeating: 24, count: p.rgb.count)
        func put(_ row: Int, _ tile: Int, _ q: Int, _ c: (UInt8, UInt8, UInt8)) {
            let o = ((gap + row * (h + gap) + q / w) * p.width + gap + tile * (w + gap) + q % w) * 3
            expected[o] = c.0; expected[o + 1] = c.1; expected[o + 2] = c.2
        }
        for t in 0..<k {
            let top = r.base.data[(t * px)..<((t + 1) * px)].max() ?? 0
            let s: Float = top > 0 ? 255 / top : 0
            for q in 0..<px {
                let b = UInt8(min(max(r.base.data[t * px + q] * s, 0), 255))
                put(0, t, q, (b, b, b))
                let n = UInt8(r.normalized.data[t * px + q] / 3)
                put(1, t, q, r.masks[t * px + q] != 0 ? (n / 2, 120 + n, n / 2) : (n, n, n))
                let sv = r.segmented.data[t * px + q]
                put(2, t, q, sv > 0 ? (255, UInt8(min(Int(UInt8(min(sv, 255))) / 2 + 80, 255)), UInt8(min(sv, 255)) / 4) : (n, n, n))
            }
        }
        XCTAssertEqual(p.rgb, expected)
        XCTAssertTrue(r.masks.contains(1) && r.segmented.data.contains { $0 > 0 }, "the case exercises every branch")
    }

    func testOptionsCodableAndPartialJSON() throws {
        var o = PreprocessOptions.blog
        o.segmentation.keepEnd = 6
        let back = try JSONDecoder().decode(PreprocessOptions.self, from: JSONEncoder().encode(o))
        XCTAssertEqual(back, o)
        let partial = try JSONDecoder().decode(PreprocessOptions.self, from: Data(#"{"segmentation":{"clusters":12,"keepStart":1,"keepEnd":3}}"#.utf8))
        XCTAssertEqual(partial.segmentation, SegmentationOptions(clusters: 12, keepStart: 1, keepEnd: 3))
        XCTAssertEqual(partial.nmf, NMFOptions())
        let nested = try JSONDecoder().decode(PreprocessOptions.self, from: Data(#"{"nmf":{"components":6},"slice":{"sigma":2}}"#.utf8))
        var expected = PreprocessOptions(); expected.nmf.components = 6; expected.slice.sigma = 2
        XCTAssertEqual(nested, expected)
        XCTAssertEqual(NMFOptions.blog.alpha, 10); XCTAssertEqual(NMFOptions.blog.l1Ratio, 0.8)
        XCTAssertEqual(NMFOptions.blog.maxIterations, 600); XCTAssertEqual(NMFOptions.blog.initialization, .nndsvd)
    }
}
