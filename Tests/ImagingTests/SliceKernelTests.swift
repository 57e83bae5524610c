import Common
import CImagingKernels
import XCTest
@testable import Imaging

/// The SIMD/run-based kernels of the slice chain and segmentation against their scalar or
/// brute-force references, bit for bit, on random inputs (odd sizes, ties, both zero signs).
final class SliceKernelTests: XCTestCase {
    let sizes = [(1, 1), (1, 2), (1, 37), (37, 1), (2, 3), (3, 5), (5, 5), (7, 16), (16, 17), (33, 65), (64, 70)]

    func bits(_ a: [Float]) -> [UInt32] { a.map(\.bitPattern) }

    func randomMask(_ n: Int, _ density: Double, _ rng: inout SplitMix64, values: [UInt8] = [1]) -> [UInt8] {
        (0..<n).map { _ in rng.uniform() < density ? values[rng.int(values.count)] : 0 }
    }

    func testRunLabelingMatchesPixelFloodFill() {
        var rng = SplitMix64(7)
        for (h, w) in sizes + [(1, 64), (2, 128), (3, 129), (9, 200)] {
            for density in [0.0, 0.05, 0.3, 0.5, 0.59, 0.7, 0.95, 1.0] {
                for values in [[UInt8(1)], [1, 2, 255]] {
                    let m = randomMask(h * w, density, &rng, values: values)
                    var fast = m, ref = m
                    let a = Morphology.keepLargestComponent(&fast, height: h, width: w)
                    let b = Morphology.keepLargestComponentReference(&ref, height: h, width: w)
                    XCTAssertEqual(a, b, "size \(h)×\(w) density \(density)")
                    XCTAssertEqual(fast, ref, "largest component \(h)×\(w) density \(density)")
                    fast = m; ref = m
                    Morphology.fillHoles(&fast, height: h, width: w)
                    Morphology.fillHolesReference(&ref, height: h, width: w)
                    XCTAssertEqual(fast, ref, "holes \(h)×\(w) density \(density)")
                }
            }
        }
    }

    func testRunLabelingOnShapes() {
        // A ring with a hole and a spiral-like comb: runs meeting only through later rows.
        let rows = [
            "#.#.#.#",
            "#.#.#.#",
            "#######",
            ".......",
            "###.###",
            "#.#.#.#",
            "###.###",
        ]
        let m = rows.flatMap { $0.map { $0 == "#" ? UInt8(1) : 0 } }
        var fast = m, ref = m
        XCTAssertEqual(Morphology.keepLargestComponent(&fast, height: 7, width: 7), 15)
        Morphology.keepLargestComponentReference(&ref, height: 7, width: 7)
        XCTAssertEqual(fast, ref)
        fast = m; ref = m
        Morphology.fillHoles(&fast, height: 7, width: 7)
        Morphology.fillHolesReference(&ref, height: 7, width: 7)
        XCTAssertEqual(fast, ref)
        XCTAssertEqual(fast[5 * 7 + 1], 1)  // the two enclosed pixels are filled
        XCTAssertEqual(fast[5 * 7 + 5], 1)
        XCTAssertEqual(fast[3 * 7 + 3], 0)  // the open middle row is not
    }

    func testGaussianKernelMatchesScalarReference() throws {
        var rng = SplitMix64(11)
        for (h, w) in sizes {
            let img = (0..<(h * w)).map { _ in Float(rng.uniform() * 200 - 50) }
            for sigma in [0.4, 1.0, 2.3, 6.0] {
                let k = Gaussian.kernel(sigma: sigma)
                let fast = try Gaussian.smooth(img, height: h, width: w, sigma: sigma)
                var ref = [Float](repeating: 0, count: h * w)
                img.withUnsafeBufferPointer { s in
                    ref.withUnsafeMutableBufferPointer { d in Gaussian.smoothReference(s.baseAddress!, d.baseAddress!, height: h, width: w, kernel: k) }
                }
                XCTAssertEqual(bits(fast), bits(ref), "\(h)×\(w) σ \(sigma)")
            }
        }
    }

    /// NumPy's linear-interpolation percentile on a sorted copy.
    func sortedPercentile(_ v: [Float], _ q: Double) -> Float {
        let s = v.sorted()
        let pos = q / 100 * Double(s.count - 1)
        let k = min(Int(pos.rounded(.down)), s.count - 1)
        let f = Float(pos - Double(k))
        if k + 1 >= s.count || f == 0 { return s[k] }
        return s[k] + (s[k + 1] - s[k]) * f
    }

    func testHistogramPercentilesMatchSorting() {
        var rng = SplitMix64(3)
        for n in [1, 2, 3, 5, 16, 17, 63, 64, 65, 100, 1000, 5000] {
            for kind in 0..<4 {
                let v: [Float] = (0..<n).map { _ in
                    switch kind {
                    case 0: return Float(rng.uniform())
                    case 1: return Float(rng.int(3))                       // heavy ties
                    case 2: return rng.int(10) == 0 ? 1e6 : Float(rng.int(50)) // outliers
                    default: return Float(rng.uniform() * 1e-3) + 5         // narrow range
                    }
                }
                for (q1, q2) in [(1.0, 99.0), (0.0, 100.0), (25.0, 75.0), (49.9, 50.1)] {
                    let (a, b) = v.withUnsafeBufferPointer { Normalize.percentiles($0, q1, q2) }
                    XCTAssertEqual(a.bitPattern, sortedPercentile(v, q1).bitPattern, "n \(n) kind \(kind) q \(q1)")
                    XCTAssertEqual(b.bitPattern, sortedPercentile(v, q2).bitPattern, "n \(n) kind \(kind) q \(q2)")
                }
            }
        }
        let nan: [Float] = [1, .nan, 2]
        let (a, _) = nan.withUnsafeBufferPointer { Normalize.percentiles($0, 1, 99) }
        XCTAssertTrue(a.isNaN)
    }

    func testSampledOrderStatisticsMatchSorting() {
        var rng = SplitMix64(21)
        for n in [4096, 5000, 65536] {
            for kind in 0..<4 {
                let v: [Float] = (0..<n).map { i in
                    switch kind {
                    case 0: return Float(rng.uniform())
                    case 1: return Float(rng.int(5))                                   // ties
                    case 2: return i % 97 == 0 ? 1e7 : Float(rng.uniform() * 10)       // outliers
                    default: return Float(i % 256) + Float(rng.uniform() * 1e-3)       // smooth ramp
                    }
                }
                let sorted = v.sorted()
                var lo: Float = 0, hi: Float = 0
                _ = kf_minmax_fast(v, n, &lo, &hi)
                let ranks = [n / 100, n / 100 + 1, n - n / 100 - 2, n - n / 100 - 1]
                var out = [Float](repeating: 0, count: 4)
                let status = kf_order_statistics(v, n, lo, hi, ranks, 4, &out)
                if kind != 1 { XCTAssertEqual(status, 0, "the sample brackets the ranks (n \(n) kind \(kind))") }
                if status == 0 {
                    XCTAssertEqual(out.map(\.bitPattern), ranks.map { sorted[$0].bitPattern }, "n \(n) kind \(kind)")
                }
                let (a, b) = v.withUnsafeBufferPointer { Normalize.percentiles($0, 1, 99) }
                XCTAssertEqual([a.bitPattern, b.bitPattern], [sortedPercentile(v, 1).bitPattern, sortedPercentile(v, 99).bitPattern])
            }
        }
    }

    func testMinMaxKeepsTheFirstZeroLikeTheSequentialScan() {
        var rng = SplitMix64(5)
        for n in [1, 7, 64, 65, 200] {
            for _ in 0..<20 {
                let v: [Float] = (0..<n).map { _ in [0, -0.0, 1, -1, 3][rng.int(5)] * (rng.int(3) == 0 ? 1 : 0) }
                var lo: Float = 0, hi: Float = 0, rlo: Float = 0, rhi: Float = 0
                _ = kf_minmax_fast(v, n, &lo, &hi)
                kf_minmax(v, n, &rlo, &rhi)
                XCTAssertEqual([lo.bitPattern, hi.bitPattern], [rlo.bitPattern, rhi.bitPattern])
            }
        }
        var lo: Float = 0, hi: Float = 0
        XCTAssertEqual(kf_minmax_fast([Float](repeating: 1, count: 100) + [.infinity], 101, &lo, &hi), 1)
        XCTAssertEqual(kf_minmax_fast([Float](repeating: 1, count: 100), 100, &lo, &hi), 0)
    }

    /// The slice chain composed from the scalar references (per-pixel Otsu histogram and mask).
    func referenceSlice(_ img: [Float], _ h: Int, _ w: Int, _ o: SliceOptions) throws -> SlicePreprocessor.Output {
        var smooth = img
        if o.sigma > 0 {
            let k = Gaussian.kernel(sigma: o.sigma, truncate: o.truncate)
            img.withUnsafeBufferPointer { s in
                smooth.withUnsafeMutableBufferPointer { d in Gaussian.smoothReference(s.baseAddress!, d.baseAddress!, height: h, width: w, kernel: k) }
            }
        }
        let lo = sortedPercentile(smooth, o.lowPercentile), hi = sortedPercentile(smooth, o.highPercentile)
        let scaled = Normalize.scale(smooth, low: lo, high: hi)
        let norm = o.equalize ? Normalize.equalize(scaled) : Normalize.quantize(scaled)
        let nb = min(max(o.otsuBins, 2), 256)
        var hist = [Double](repeating: 0, count: nb)
        for p in norm { hist[Int(p) * nb / 256] += 1 }
        var t = Otsu.threshold(histogram: hist)
        if let tt = t { t = ((tt + 1) * 256 + nb - 1) / nb - 1 }
        var mask = [UInt8](repeating: 0, count: norm.count)
        if let t {
            for i in norm.indices where Int(norm[i]) > t { mask[i] = 1 }
            if o.largestComponent { Morphology.keepLargestComponentReference(&mask, height: h, width: w) }
            if o.fillHoles { Morphology.fillHolesReference(&mask, height: h, width: w) }
        }
        return .init(normalized: norm, mask: mask, threshold: t, foreground: mask.reduce(0) { $0 + Int($1) })
    }

    func testSliceChainMatchesReferenceComposition() throws {
        var rng = SplitMix64(9)
        var variants: [SliceOptions] = [SliceOptions()]
        var o = SliceOptions(); o.sigma = 0; variants.append(o)
        o = SliceOptions(); o.equalize = false; o.otsuBins = 32; variants.append(o)
        o = SliceOptions(); o.sigma = 1.7; o.lowPercentile = 10; o.highPercentile = 90; variants.append(o)
        for (h, w) in sizes + [(40, 48)] {
            for kind in 0..<3 {
                let img: [Float] = (0..<(h * w)).map { i in
                    let y = i / w, x = i % w
                    let disc = (x - w / 2) * (x - w / 2) + (y - h / 2) * (y - h / 2) < h * w / 6
                    switch kind {
                    case 0: return Float(disc ? 120 : 20) + Float(rng.uniform() * 30)
                    case 1: return Float(rng.int(4))
                    default: return 3
                    }
                }
                for (vi, opts) in variants.enumerated() {
                    let fast = try SlicePreprocessor.run(img, height: h, width: w, options: opts)
                    let ref = try referenceSlice(img, h, w, opts)
                    let what = "\(h)×\(w) kind \(kind) variant \(vi)"
                    XCTAssertEqual(fast.normalized, ref.normalized, what)
                    XCTAssertEqual(fast.mask, ref.mask, what)
                    XCTAssertEqual(fast.threshold, ref.threshold, what)
                    XCTAssertEqual(fast.foreground, ref.foreground, what)
                    var fgCounts = [Int32](repeating: 0, count: 256)  // the segmentation's histogram
                    for i in ref.mask.indices where ref.mask[i] != 0 { fgCounts[Int(ref.normalized[i])] += 1 }
                    XCTAssertEqual(fast.foregroundCounts, fgCounts, what)
                }
            }
        }
        XCTAssertThrowsError(try SlicePreprocessor.run([1, .nan, 3, 4], height: 2, width: 2, options: SliceOptions()))
    }

    func testKMeansTabulatedDPMatchesOnDemandDP() throws {
        var rng = SplitMix64(13)
        for trial in 0..<40 {
            let d = 1 + rng.int(300)
            var x: [Double] = [], w: [Double] = []
            var v = 0.0
            for _ in 0..<d { v += 1 + Double(rng.int(4)); x.append(v); w.append(Double(1 + rng.int(500))) }
            for k in [1, 2, 3, 7, 20, 400] {
                let a = try KMeans1D.fit(values: x, weights: w, clusters: k)
                let b = try KMeans1D.fit(values: x, weights: w, clusters: k, tableLimit: 0)
                XCTAssertEqual(a.assignment, b.assignment, "trial \(trial) k \(k)")
                XCTAssertEqual(a.centroids.map(\.bitPattern), b.centroids.map(\.bitPattern))
                XCTAssertEqual(a.inertia.bitPattern, b.inertia.bitPattern)
            }
        }
    }

    func testSegmentationLabelMapMatchesPerPixelDefinition() throws {
        var rng = SplitMix64(17)
        // (clusters, keep range): the step-function map (≤ 32 clusters) and the lookup table.
        for (k, keep) in [(6, 1..<4), (3, 2..<3), (40, 0..<10), (20, 19..<20)] {
            for n in [1, 5, 64, 65, 1000] {
                let image = (0..<n).map { _ in UInt8(rng.int(256)) }
                let mask = randomMask(n, 0.6, &rng, values: [1, 3])
                let out = try Segmentation.run(image, mask: mask, options: .init(clusters: k, keepStart: keep.lowerBound, keepEnd: keep.upperBound))
                var counts = [Double](repeating: 0, count: 256)
                for i in 0..<n where mask[i] != 0 { counts[Int(image[i])] += 1 }
                let present = (0..<256).filter { counts[$0] > 0 }
                let fit = try KMeans1D.fit(values: present.map(Double.init), weights: present.map { counts[$0] }, clusters: k)
                var kept = 0, fg = 0
                for i in 0..<n {
                    guard mask[i] != 0 else {
                        XCTAssertEqual(out.labels[i], 255); XCTAssertEqual(out.segmented[i], 0); continue
                    }
                    fg += 1
                    let c = fit.assignment[try XCTUnwrap(present.firstIndex(of: Int(image[i])))]
                    XCTAssertEqual(Int(out.labels[i]), c, "k \(k) n \(n)")
                    if keep.contains(c) { kept += 1 }
                    XCTAssertEqual(out.segmented[i], keep.contains(c) ? Float(image[i]) : 0)
                }
                XCTAssertEqual(out.keptFraction, fg == 0 ? 0 : Double(kept) / Double(fg))
                XCTAssertEqual(out.inertia, fg == 0 ? 0 : fit.inertia)
                XCTAssertEqual(out.clusters, fit.centroids.count)
            }
        }
    }
}
