import XCTest
import TestSupport
@testable import Phantom

final class ShapeTests: XCTestCase {
    func testCapsuleDistanceIsExact() {
        let c = Capsule(0, 0, 10, 0, radius: 2)
        assertClose(c.distance(5, 5), 3, abs: 1e-5)            // above the segment
        assertClose(c.distance(13, 4), 3, abs: 1e-5)           // beyond the end: 5 − 2
        assertClose(c.distance(5, 0), -2, abs: 1e-5)           // on the axis
    }

    func testRoundedBoxDistanceIsExact() {
        let b = RoundedBox(0, 0, 4, 2, radius: 1)
        assertClose(b.distance(7, 0), 3, abs: 1e-5)
        assertClose(b.distance(0, -5), 3, abs: 1e-5)
        assertClose(b.distance(0, 0), -2, abs: 1e-5)
        // Corner: centre of the corner arc is (3, 1); point (6, 5) is 5 away from it.
        assertClose(b.distance(6, 5), 4, abs: 1e-5)
        // Rotated by 90°: the long axis becomes vertical.
        assertClose(RoundedBox(0, 0, 4, 2, radius: 1, angle: .pi / 2).distance(0, 7), 3, abs: 1e-4)
    }

    func testEllipseBoundaryAndCircleCase() {
        let circle = Ellipse(1, 2, 5, 5)
        assertClose(circle.distance(1 + 8, 2), 3, abs: 1e-4)   // exact for a circle
        assertClose(circle.distance(1, 2 - 3), -2, abs: 1e-4)
        let e = Ellipse(0, 0, 6, 3, angle: 0.4)
        for k in 0..<12 {
            let t = Float(k) * .pi / 6
            let x = 6 * cosf(t), y = 3 * sinf(t)
            let u = cosf(0.4) * x - sinf(0.4) * y, v = sinf(0.4) * x + cosf(0.4) * y
            assertClose(e.distance(u, v), 0, abs: 1e-4, "boundary point \(k)")
        }
        XCTAssertLessThan(e.distance(0, 0), 0)
        XCTAssertGreaterThan(e.distance(10, 10), 0)
    }

    func testQuadAndTriangleSigns() {
        let q = Quad([(0, 0), (4, 0), (4, 2), (0, 2)])
        assertClose(q.distance(2, 1), -1, abs: 1e-5)
        assertClose(q.distance(6, 1), 2, abs: 1e-5)
        let qr = Quad([(0, 2), (4, 2), (4, 0), (0, 0)])        // other orientation, same square
        assertClose(qr.distance(6, 1), 2, abs: 1e-5)
        let t = Triangle((0, 0), (4, 0), (0, 4))
        XCTAssertLessThan(t.distance(1, 1), 0)
        assertClose(t.distance(2, -3), 3, abs: 1e-5)
        assertClose(t.distance(-1, 2), 1, abs: 1e-5)
    }

    func testSmoothUnionIsBelowBothAndSharpUnionIsTheMinimum() {
        let a = Ellipse(0, 0, 3, 3), b = Ellipse(5, 0, 3, 3)
        let sharp = Union(a, b), smooth = Union(a, b, smooth: 2)
        for (u, v) in [(2.5, 3.0), (0.0, 0.0), (9.0, 1.0)] as [(Float, Float)] {
            assertClose(sharp.distance(u, v), min(a.distance(u, v), b.distance(u, v)), abs: 1e-6)
            XCTAssertLessThanOrEqual(smooth.distance(u, v), sharp.distance(u, v) + 1e-6)
        }
    }

    func testSmoothIntersectionIsAboveBothAndSharpIsTheMaximum() {
        let a = Ellipse(0, 0, 3, 3), b = Ellipse(2, 0, 3, 3)
        let sharp = Intersection(a, b), smooth = Intersection(a, b, smooth: 2)
        for (u, v) in [(1.0, 2.9), (1.0, 0.0), (-4.0, 1.0)] as [(Float, Float)] {
            assertClose(sharp.distance(u, v), max(a.distance(u, v), b.distance(u, v)), abs: 1e-6)
            XCTAssertGreaterThanOrEqual(smooth.distance(u, v), sharp.distance(u, v) - 1e-6)
        }
        // Far from the crease (difference ≥ k) the smooth version equals the sharp one.
        assertClose(smooth.distance(-4, 0), sharp.distance(-4, 0), abs: 1e-5)
    }

    /// The anti-aliased coverage of a disc sums to its area (π r²) within a small fraction of a
    /// pixel per boundary pixel, at any rotation of the frame; tile culling must not lose tiles.
    func testRasterisedDiscAreaMatchesPiRSquared() {
        for rotation: Float in [0, 0.3] {
            let frame = Frame(size: 128, fovMM: 128, centreU: 0, centreV: 0, rotation: rotation)
            var canvas = Canvas(frame: frame)
            canvas.paint(Ellipse(3, -2, 30, 30), 1)
            let area = canvas.signal.reduce(0, +)            // pixel = 1 mm²
            // The edge ramp is 1 mm wide and symmetric, so the sum is unbiased to first order.
            assertClose(area, .pi * 900, rel: 0.01, "rotation \(rotation)")
            // Interior pixels are exactly 1, exterior exactly 0.
            let (cx, cy) = frame.pixel(3, -2)
            XCTAssertEqual(canvas.signal[Int(cy) * 128 + Int(cx)], 1)
            XCTAssertEqual(canvas.signal[2 * 128 + 2], 0)
        }
    }

    func testSlabFractionIsOverlapOverThickness() {
        assertClose(slabFraction(z: 0, thickness: 3, lo: -5, hi: 5), 1, abs: 1e-6)
        assertClose(slabFraction(z: 5, thickness: 4, lo: -5, hi: 5), 0.5, abs: 1e-6)
        assertClose(slabFraction(z: 8, thickness: 3, lo: -5, hi: 5), 0, abs: 1e-6)
        assertClose(slabFraction(z: 0, thickness: 4, lo: -1, hi: 1), 0.5, abs: 1e-6)  // thin structure
    }
}
