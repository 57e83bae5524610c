import XCTest
import TestSupport
@testable import Imaging

final class GaussianTests: XCTestCase {
    func testKernelShape() {
        let k = Gaussian.kernel(sigma: 1)
        XCTAssertEqual(k.count, 9)  // radius int(4·1 + 0.5) = 4
        assertClose(k.reduce(0, +), 1, abs: 1e-6)
        assertClose(k[4] / k[5], Float(exp(0.5)), rel: 1e-5)
        XCTAssertEqual(Gaussian.kernel(sigma: 0.7).count, 7)  // int(2.8 + 0.5) = 3
    }

    func testReflectIsHalfSampleSymmetric() {
        // d c b a | a b c d | d c b a for n = 4.
        XCTAssertEqual((-4...7).map { Gaussian.reflect($0, 4) }, [3, 2, 1, 0, 0, 1, 2, 3, 3, 2, 1, 0])
        XCTAssertEqual(Gaussian.reflect(-9, 4), 0)
    }

    func testConstantImageUnchanged() throws {
        let img = [Float](repeating: 42, count: 5 * 6)
        let out = try Gaussian.smooth(img, height: 5, width: 6, sigma: 1.5)
        assertAllClose(out, img, rel: 1e-6)
    }

    func testMatchesScipyGaussianFilter() throws {
        let g = try NumericsFixture.load().gaussian
        for (sigma, expected) in [(1.0, g.sigma1), (0.7, g.sigma0_7), (3.0, g.sigma3)] {
            let out = try Gaussian.smooth(g.image, height: g.height, width: g.width, sigma: sigma)
            assertAllClose(out, expected, abs: 1e-3, "sigma \(sigma)")  // kernel wider than the image at σ=3
        }
    }

    func testRejectsBadArguments() {
        XCTAssertThrowsError(try Gaussian.smooth([1, 2, 3], height: 2, width: 2, sigma: 1))
        XCTAssertThrowsError(try Gaussian.smooth([1, 2, 3, 4], height: 2, width: 2, sigma: -1))
    }
}
