import Common
import TestSupport
import XCTest
@testable import Imaging

/// Known answers for slice resampling and in-plane area averaging.
final class IOVolumeOpsTests: XCTestCase {
    /// v[s, y, x] = 2s + y − 0.5x
    func ramp(slices: Int, height: Int, width: Int) throws -> Volume {
        var v = Volume(zeros: slices, height, width)
        for s in 0..<slices { for y in 0..<height { for x in 0..<width { v[s, y, x] = Float(2 * s + y) - 0.5 * Float(x) } } }
        return v
    }

    /// A volume linear in the slice index stays linear: slice j of k sits at t = j·(S−1)/(k−1).
    func testResampleLinearRampExactly() throws {
        let v = try ramp(slices: 5, height: 3, width: 4)
        for k in [2, 3, 5, 9, 17, 4] {
            let r = try v.resampledSlices(to: k)
            XCTAssertEqual([r.slices, r.height, r.width], [k, 3, 4])
            var expected: [Float] = []
            for j in 0..<k {
                let t = Double(j) * 4 / Double(k - 1)
                for y in 0..<3 { for x in 0..<4 { expected.append(Float(2 * t + Double(y) - 0.5 * Double(x))) } }
            }
            assertAllClose(r.data, expected, abs: 1e-5, "k = \(k)")
            assertAllClose(r.slice(0), v.slice(0), abs: 0, "first slice kept")
            assertAllClose(r.slice(k - 1), v.slice(4), abs: 0, "last slice kept")
        }
        XCTAssertEqual(try v.resampledSlices(to: 5), v)
    }

    func testResampleEdgeCases() throws {
        let v = try ramp(slices: 4, height: 2, width: 2)
        // k = 1: the middle position t = 1.5, i.e. the mean of slices 1 and 2.
        let one = try v.resampledSlices(to: 1)
        assertAllClose(one.data, zip(v.slice(1), v.slice(2)).map { ($0 + $1) / 2 }, abs: 1e-6)
        // One source slice: copies.
        let single = try Volume(slices: 1, height: 1, width: 3, data: [1, 2, 3])
        assertAllClose(try single.resampledSlices(to: 3).data, [1, 2, 3, 1, 2, 3, 1, 2, 3], abs: 0)
        // Hand-computed: slices [0, 10] → 5 slices: 0, 2.5, 5, 7.5, 10.
        let two = try Volume(slices: 2, height: 1, width: 1, data: [0, 10])
        assertAllClose(try two.resampledSlices(to: 5).data, [0, 2.5, 5, 7.5, 10], abs: 0)
        assertImagingError(.argument, file: nil) { try v.resampledSlices(to: 0) }
        assertImagingError(.argument, file: nil) { try v.resampledSlices(to: -3) }
    }

    /// Integer factors: plain block means, checked against brute force.
    func testDownsampleIntegerFactorsAreBlockMeans() throws {
        var rng = SplitMix64(seed: 3)
        let v = try Volume(slices: 2, height: 6, width: 9, data: (0..<108).map { _ in Float(rng.nextUnit() * 100) })
        let d = try v.downsampled(height: 3, width: 3)
        XCTAssertEqual([d.slices, d.height, d.width], [2, 3, 3])
        for s in 0..<2 {
            for y in 0..<3 {
                for x in 0..<3 {
                    var sum: Float = 0
                    for dy in 0..<2 { for dx in 0..<3 { sum += v[s, 2 * y + dy, 3 * x + dx] } }
                    assertClose(d[s, y, x], sum / 6, abs: 1e-4)
                }
            }
        }
    }

    /// Non-integer factors, by hand: a row [0, 3, 6] to 2 pixels covers 1.5 source pixels each:
    /// (0 + 0.5·3)/1.5 = 1 and (0.5·3 + 6)/1.5 = 5.
    func testDownsampleFractionalByHand() throws {
        let v = try Volume(slices: 1, height: 1, width: 3, data: [0, 3, 6])
        assertAllClose(try v.downsampled(height: 1, width: 2).data, [1, 5], abs: 1e-6)
        let w = try Volume(slices: 1, height: 3, width: 1, data: [3, 0, 9])
        assertAllClose(try w.downsampled(height: 2, width: 1).data, [2, 6], abs: 1e-6)
        assertAllClose(try w.downsampled(height: 1, width: 1).data, [4], abs: 1e-6)
    }

    /// Brute force for any sizes: area averaging n → m equals replicating every source pixel
    /// m times and averaging blocks of n (per axis; here both axes at once). Slice means are
    /// preserved.
    func testDownsampleEqualsReplicateThenBlockMean() throws {
        var rng = SplitMix64(seed: 11)
        for (H, W, h, w) in [(7, 10, 3, 4), (5, 5, 2, 3), (9, 4, 9, 3), (6, 8, 1, 1)] {
            let v = try Volume(slices: 2, height: H, width: W, data: (0..<(2 * H * W)).map { _ in Float(rng.nextUnit() * 50 - 10) })
            let d = try v.downsampled(height: h, width: w)
            XCTAssertEqual([d.slices, d.height, d.width], [2, h, w])
            for s in 0..<2 {
                for y in 0..<h {
                    for x in 0..<w {
                        // Fine grid of (H·h) × (W·w): fine (u, t) holds source (u / h, t / w).
                        var sum = 0.0
                        for u in (y * H)..<((y + 1) * H) {
                            for t in (x * W)..<((x + 1) * W) { sum += Double(v[s, u / h, t / w]) }
                        }
                        assertClose(d[s, y, x], Float(sum / Double(H * W)), abs: 1e-4, "\(H)×\(W)→\(h)×\(w) at (\(s), \(y), \(x))")
                    }
                }
                let meanIn = v.slice(s).reduce(0, +) / Float(H * W), meanOut = d.slice(s).reduce(0, +) / Float(h * w)
                assertClose(meanOut, meanIn, abs: 1e-4)
            }
            if (H, W) == (h, w) { XCTAssertEqual(d, v) }
        }
        let v = try ramp(slices: 1, height: 4, width: 4)
        XCTAssertEqual(try v.downsampled(height: 4, width: 4), v)
    }

    func testDownsampleRejectsEnlargementAndZero() throws {
        let v = Volume(zeros: 1, 4, 4)
        for (h, w) in [(5, 4), (4, 5), (0, 2), (2, 0), (-1, 2)] {
            assertImagingError(.argument, file: nil, "\(h)×\(w)") { try v.downsampled(height: h, width: w) }
        }
    }
}
