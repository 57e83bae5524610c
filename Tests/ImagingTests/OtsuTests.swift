import Common
import XCTest
@testable import Imaging

final class OtsuTests: XCTestCase {
    /// Between-class variance of the split {≤ t} / {> t} computed from the pixels themselves.
    func bruteForce(_ pixels: [UInt8]) -> Int? {
        var best = -1.0, arg: Int?
        for t in 0..<255 {
            let a = pixels.filter { Int($0) <= t }.map(Double.init), b = pixels.filter { Int($0) > t }.map(Double.init)
            guard !a.isEmpty, !b.isEmpty else { continue }
            let ma = a.reduce(0, +) / Double(a.count), mb = b.reduce(0, +) / Double(b.count)
            let v = Double(a.count) * Double(b.count) * (ma - mb) * (ma - mb)
            if v > best * (1 + 1e-12) { best = v; arg = t }
        }
        return arg
    }

    func testEqualsBruteForce() {
        var rng = SplitMix64(99)
        for trial in 0..<12 {
            let n = 200 + rng.int(300)
            let pixels: [UInt8] = (0..<n).map { _ in
                trial % 3 == 0 ? UInt8(rng.int(256)) : (rng.uniform() < 0.4 ? UInt8(20 + rng.int(60)) : UInt8(130 + rng.int(100)))
            }
            XCTAssertEqual(Otsu.threshold(pixels), bruteForce(pixels), "trial \(trial)")
        }
    }

    func testSingleValueHasNoThreshold() {
        XCTAssertNil(Otsu.threshold([UInt8](repeating: 9, count: 50)))
        XCTAssertEqual(Otsu.threshold([10, 10, 200, 200]), 10)
    }

    func testWithinOneBinOfScikitImage() throws {
        for (i, c) in try NumericsFixture.load().otsu.enumerated() {
            let t = try XCTUnwrap(Otsu.threshold(c.pixels.map { UInt8($0) }))
            XCTAssertLessThanOrEqual(abs(t - c.threshold), 1, "image \(i): ours \(t), skimage \(c.threshold)")
        }
    }

    func testCoarserBinsReportIntensity() {
        // 128 bins: values 2k and 2k+1 share a bin; the threshold is the top value of its bin.
        let t = Otsu.threshold([10, 11, 10, 200, 201], bins: 128)
        XCTAssertEqual(t.map { $0 % 2 }, 1)
    }
}
