import Common
import CImagingKernels
import XCTest
@testable import Imaging

/// The C kernels of the knee mask and the `.knee` foreground against the Swift loops they
/// replaced, bit for bit, on random inputs (odd sizes, both zero signs, non-0/1 mask bytes).
final class KneeKernelTests: XCTestCase {
    func testClosingKernelMatchesTheSwiftFilter() {
        var rng = SplitMix64(11)
        for (h, w) in [(1, 1), (1, 40), (40, 1), (5, 3), (31, 67), (70, 33), (128, 96)] {
            for r in [1, 2, 3, 4, 9, 40] {
                for density in [0.02, 0.3, 0.6, 0.9, 1.0] {
                    let m = (0..<(h * w)).map { _ in rng.uniform() < density ? UInt8(1 + rng.int(3)) : 0 }
                    var fast = m, ref = m
                    Morphology.close(&fast, height: h, width: w, radius: r)
                    Morphology.closeReference(&ref, height: h, width: w, radius: r)
                    XCTAssertEqual(fast, ref, "\(h)×\(w) r=\(r) density \(density)")
                }
            }
        }
    }

    func testSliceMeanMatchesTheSequentialSum() {
        var rng = SplitMix64(12)
        for (slices, n) in [(1, 1), (1, 4097), (3, 5000), (32, 2049), (7, 6144), (8, 4096), (17, 9000), (40, 4100)] {
            let v = (0..<(slices * n)).map { _ -> Float in
                switch rng.int(8) {
                case 0: return 0
                case 1: return -0.0
                default: return Float(rng.uniform() * 300 - 20) * (rng.int(5) == 0 ? 1e-6 : 1)
                }
            }
            let inv = 1 / Float(slices)
            var ref = [Float](repeating: 0, count: n)
            for s in 0..<slices { for i in 0..<n { ref[i] += v[s * n + i] } }
            for i in 0..<n { ref[i] *= inv }
            var got = [Float](repeating: .nan, count: n)
            kf_slice_mean(v, slices, n, inv, &got)
            XCTAssertEqual(got.map(\.bitPattern), ref.map(\.bitPattern), "\(slices)×\(n)")
        }
    }

    func testKneeForegroundMatchesTheLoop() {
        var rng = SplitMix64(13)
        for n in [1, 3, 4, 5, 63, 64, 65, 1000, 65536 + 3] {
            let fg = (0..<n).map { _ in rng.int(3) == 0 ? 0 : UInt8(rng.int(256)) }
            let values = (0..<n).map { _ in UInt8(rng.int(256)) }
            var mask = [UInt8](repeating: 7, count: n), counts = [Int32](repeating: -1, count: 256)
            var all = [Int32](repeating: 0, count: 256)
            for v in values { all[Int(v)] += 1 }
            let c = kf_knee_foreground(fg, values, n, all, &mask, &counts)
            var refMask = [UInt8](repeating: 0, count: n), refCounts = [Int32](repeating: 0, count: 256), refC = 0
            for i in 0..<n where fg[i] != 0 { refMask[i] = 1; refCounts[Int(values[i])] += 1; refC += 1 }
            XCTAssertEqual(c, refC)
            XCTAssertEqual(mask, refMask)
            XCTAssertEqual(counts, refCounts)
        }
    }

    /// KneeMask's 99th percentile now comes from the order-statistics form; it must equal the
    /// selection on every image the mask sees (small ones go through the histogram fallback).
    func testOrderStatisticPercentileMatchesSelection() throws {
        var rng = SplitMix64(14)
        for n in [1, 2, 100, 4095, 4096, 65536] {
            for ties in [false, true] {
                let a = (0..<n).map { _ -> Float in ties ? Float(rng.int(7)) : Float(rng.uniform() * 1000) }
                let fast = a.withUnsafeBufferPointer { Normalize.percentiles($0, 99, 99).0 }
                XCTAssertEqual(fast.bitPattern, try Normalize.percentile(a, 99).bitPattern, "n \(n) ties \(ties)")
            }
        }
    }
    /// kf_order_statistics counts the samples equal to the minimum instead of selecting among
    /// them (a background of exact zeros); ranks inside and just past that plateau, with +0, −0
    /// and non-zero minima, must give the sorted array's values (bit for bit when the zeros share
    /// one sign, by value when both signs occur and the plain selection decides).
    func testOrderStatisticsWithAPlateauAtTheMinimum() {
        var rng = SplitMix64(15)
        let n = 65536
        for kind in 0..<5 {
            let v: [Float] = (0..<n).map { _ in
                let plateau = rng.uniform() < 0.3
                switch kind {
                case 0: return plateau ? 0 : Float(rng.uniform() * 100)
                case 1: return plateau ? 3.5 : 3.5 + Float(rng.uniform() * 100) + 1e-3
                case 2: return plateau ? -0.0 : Float(rng.uniform() * 100)
                case 3: return plateau ? (rng.int(2) == 0 ? 0 : -0.0) : Float(rng.uniform() * 100)
                default: return plateau ? (rng.int(2) == 0 ? 0 : -0.0) : Float(rng.uniform() * 100 - 10)
                }
            }
            let sorted = v.sorted()
            let plateauCount = v.filter { $0 == sorted[0] }.count
            var lo: Float = 0, hi: Float = 0
            _ = kf_minmax_fast(v, n, &lo, &hi)
            for ranks in [[n / 100, n / 100 + 1, n - 200, n - 199], [plateauCount - 1, plateauCount, plateauCount + 3, n - 1]] {
                var out = [Float](repeating: .nan, count: 4)
                let status = kf_order_statistics(v, n, lo, hi, ranks, 4, &out)
                // kind 4 (the zeros inside the range) can miss a sampled bracket, as it could
                // before; the caller then takes the full histogram.
                if kind < 4 { XCTAssertEqual(status, 0, "kind \(kind) ranks \(ranks)") }
                if status != 0 { continue }
                if kind < 3 {
                    XCTAssertEqual(out.map(\.bitPattern), ranks.map { sorted[$0].bitPattern }, "kind \(kind) ranks \(ranks)")
                } else {
                    XCTAssertEqual(out, ranks.map { sorted[$0] }, "kind \(kind) ranks \(ranks)")
                }
            }
        }
    }
}
