import Common
import XCTest
import TestSupport
@testable import Imaging

final class NormalizeTests: XCTestCase {
    func testPercentileHandCases() throws {
        let v: [Float] = [4, 1, 3, 2]
        assertClose(try Normalize.percentile(v, 0), 1, abs: 0)
        assertClose(try Normalize.percentile(v, 100), 4, abs: 0)
        assertClose(try Normalize.percentile(v, 50), 2.5, abs: 1e-6)   // position 1.5
        assertClose(try Normalize.percentile(v, 25), 1.75, abs: 1e-6)  // position 0.75
        XCTAssertThrowsError(try Normalize.percentile([], 50))
        XCTAssertThrowsError(try Normalize.percentile(v, 101))
    }

    func testPercentileMatchesNumPy() throws {
        let p = try NumericsFixture.load().percentile
        for (q, e) in zip(p.q, p.expected) { assertClose(Double(try Normalize.percentile(p.values, q)), e, abs: 1e-3, "q \(q)") }
    }

    func testPercentilePairEqualsSingles() throws {
        var rng = SplitMix64(5)
        for n in [1, 2, 3, 10, 101, 4096, 70000] {
            let v = (0..<n).map { i in i % 2 == 0 ? Float(rng.int(50)) : Float(rng.uniform() * 1e4) }  // duplicates and spread
            for (q1, q2) in [(1.0, 99.0), (0, 100), (50, 50), (25, 75)] {
                let (a, b) = v.withUnsafeBufferPointer { Normalize.percentiles($0, q1, q2) }
                XCTAssertEqual(a, try Normalize.percentile(v, q1), "n \(n) q \(q1)")
                XCTAssertEqual(b, try Normalize.percentile(v, q2), "n \(n) q \(q2)")
            }
        }
    }

    func testPercentileWithDuplicates() throws {
        let v: [Float] = [5, 5, 5, 1, 5, 9, 5]
        assertClose(try Normalize.percentile(v, 50), 5, abs: 0)
        assertClose(try Normalize.percentile(v, 90), 6.6, abs: 1e-5)  // position 5.4 between 5 and 9
    }

    func testScaleClipsAndMaps() {
        let out = Normalize.scale([0, 10, 15, 20, 30], low: 10, high: 20)
        assertAllClose(out, [0, 0, 127.5, 255, 255], abs: 1e-4)
        XCTAssertEqual(Normalize.scale([3, 3], low: 3, high: 3), [0, 0])
    }

    func testEqualizeHandCase() {
        // Four equally frequent levels over [0, 3]: bin centres 0.0059…2.994; cdf 0.25, 0.5,
        // 0.75, 1 at the occupied bins → 0 and 3 hit the clamped ends (0.25, 1).
        let img: [Float] = [0, 1, 2, 3]
        let out = Normalize.equalize(img)
        XCTAssertEqual(out[0], 64)   // rint(0.25·255) = 64 (63.75)
        XCTAssertEqual(out[3], 255)
        XCTAssertTrue(out[0] < out[1] && out[1] < out[2] && out[2] < out[3])
        XCTAssertEqual(Normalize.equalize([7, 7, 7]), [128, 128, 128])
    }

    func testEqualizeMatchesScikitImage() throws {
        let e = try NumericsFixture.load().equalize
        let out = Normalize.equalize(e.image)
        var off = 0
        for (a, b) in zip(out, e.expected) { XCTAssertLessThanOrEqual(abs(Int(a) - b), 1); if Int(a) != b { off += 1 } }
        XCTAssertLessThanOrEqual(off, 2, "at most a couple of rounding-boundary pixels")
    }

    func testQuantize() {
        XCTAssertEqual(Normalize.quantize([-3, 0.5, 1.5, 254.6, 300]), [0, 0, 2, 255, 255])
    }
}
