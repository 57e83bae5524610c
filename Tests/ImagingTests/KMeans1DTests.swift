import Common
import XCTest
import TestSupport
@testable import Imaging

final class KMeans1DTests: XCTestCase {
    func sse(_ x: [Double], _ w: [Double], _ range: Range<Int>) -> Double {
        let tw = range.reduce(0.0) { $0 + w[$1] }, mu = range.reduce(0.0) { $0 + w[$1] * x[$1] } / tw
        return range.reduce(0.0) { $0 + w[$1] * (x[$1] - mu) * (x[$1] - mu) }
    }

    /// Best total SSE over every split of the sorted values into k non-empty contiguous runs.
    func bruteForce(_ x: [Double], _ w: [Double], _ k: Int) -> Double {
        let d = x.count
        var best = Double.infinity
        func rec(_ start: Int, _ left: Int, _ acc: Double) {
            if left == 1 { best = min(best, acc + sse(x, w, start..<d)); return }
            guard d - start >= left else { return }
            for end in (start + 1)...(d - left + 1) { rec(end, left - 1, acc + sse(x, w, start..<end)) }
        }
        rec(0, k, 0)
        return best
    }

    /// Lloyd's algorithm from given centres, weighted points.
    func lloyd(_ x: [Double], _ w: [Double], _ start: [Double]) -> Double {
        var c = start
        for _ in 0..<200 {
            var s = [Double](repeating: 0, count: c.count), t = s
            for i in x.indices {
                let j = c.indices.min { abs(x[i] - c[$0]) < abs(x[i] - c[$1]) }!
                s[j] += w[i] * x[i]; t[j] += w[i]
            }
            for j in c.indices where t[j] > 0 { c[j] = s[j] / t[j] }
        }
        return x.indices.reduce(0.0) { acc, i in acc + w[i] * c.map { (x[i] - $0) * (x[i] - $0) }.min()! }
    }

    func testEqualsBruteForce() throws {
        var rng = SplitMix64(17)
        for _ in 0..<30 {
            let d = 2 + rng.int(8)
            var vals = Set<Int>()
            while vals.count < d { vals.insert(rng.int(256)) }
            let x = vals.sorted().map(Double.init)
            let w = x.map { _ in Double(1 + rng.int(20)) }
            let k = 1 + rng.int(min(d, 5))
            let fit = try KMeans1D.fit(values: x, weights: w, clusters: k)
            assertClose(fit.inertia, bruteForce(x, w, k), abs: 1e-6, rel: 1e-9)
            XCTAssertEqual(fit.centroids, fit.centroids.sorted())
            XCTAssertEqual(fit.centroids.count, k)
            XCTAssertEqual(fit.assignment, fit.assignment.sorted(), "clusters are contiguous runs")
        }
    }

    func testNeverAboveLloydFromAnyStart() throws {
        var rng = SplitMix64(23)
        let x = (0..<256).map(Double.init)
        let w = x.map { v in 1 + 500 * exp(-((v - 60) * (v - 60)) / 300) + 300 * exp(-((v - 180) * (v - 180)) / 800) + Double(rng.int(30)) }
        let k = 20
        let fit = try KMeans1D.fit(values: x, weights: w, clusters: k)
        for _ in 0..<5 {
            var starts = Set<Int>()
            while starts.count < k { starts.insert(rng.int(256)) }
            XCTAssertLessThanOrEqual(fit.inertia, lloyd(x, w, starts.sorted().map(Double.init)) * (1 + 1e-12))
        }
    }

    func testFewerDistinctValuesThanClusters() throws {
        let fit = try KMeans1D.fit(values: [1, 5, 9], weights: [2, 2, 2], clusters: 20)
        XCTAssertEqual(fit.centroids, [1, 5, 9])
        XCTAssertEqual(fit.inertia, 0)
        let empty = try KMeans1D.fit(values: [], weights: [], clusters: 3)
        XCTAssertEqual(empty.inertia, 0)
        XCTAssertThrowsError(try KMeans1D.fit(values: [2, 1], weights: [1, 1], clusters: 2))
        XCTAssertThrowsError(try KMeans1D.fit(values: [1, 2], weights: [1, 0], clusters: 2))
        XCTAssertThrowsError(try KMeans1D.fit(values: [1, 2], weights: [1, 1], clusters: 0))
    }
}
