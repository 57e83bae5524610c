import XCTest
import TestSupport
@testable import Phantom

final class KneePhantomTests: XCTestCase {
    func testSameSeedSameBytesDifferentSeedDifferentBytes() throws {
        let a = try KneePhantom.generate(caseSeed: 99, technique: .train, torn: false, size: 48, slices: 20...40)
        let b = try KneePhantom.generate(caseSeed: 99, technique: .train, torn: false, size: 48, slices: 20...40)
        let c = try KneePhantom.generate(caseSeed: 100, technique: .train, torn: false, size: 48, slices: 20...40)
        XCTAssertEqual(a.volume, b.volume)
        XCTAssertEqual(a.aclMask, b.aclMask)
        XCTAssertNotEqual(a.volume, c.volume)
    }

    func testShapeAndSliceRange() throws {
        for seed: UInt64 in 1...6 {
            let c = try KneePhantom.generate(caseSeed: seed, technique: .siteB, torn: seed % 2 == 0, size: 32, slices: 20...24)
            XCTAssert((20...24).contains(c.slices))
            XCTAssertEqual(c.shape, [c.slices, 32, 32])
            XCTAssertEqual(c.volume.count, c.slices * 32 * 32)
            XCTAssertEqual(c.aclMask.count, c.volume.count)
            XCTAssert(c.aclMask.allSatisfy { $0 <= 1 })
        }
        XCTAssertThrowsError(try KneePhantom.generate(caseSeed: 1, technique: .train, torn: false, size: 8, slices: 20...40))
    }

    /// The mask is non-empty on a few contiguous slices near the middle of the stack only (the
    /// ACL is a central structure), never on the outer slices.
    func testMaskOnlyOnContiguousCentralSlices() throws {
        for seed: UInt64 in 1...12 {
            let c = try KneePhantom.generate(caseSeed: seed, technique: .train, torn: seed % 3 == 0, size: 64, slices: 20...40)
            let n = 64 * 64
            let withMask = (0..<c.slices).filter { s in c.aclMask[(s * n)..<((s + 1) * n)].contains(1) }
            XCTAssertFalse(withMask.isEmpty, "seed \(seed)")
            guard let first = withMask.first, let last = withMask.last else { continue }
            XCTAssertEqual(last - first + 1, withMask.count, "contiguous, seed \(seed)")
            XCTAssertLessThanOrEqual(withMask.count, 6, "a few slices, seed \(seed)")
            XCTAssertGreaterThanOrEqual(first, Int(Double(c.slices) * 0.2), "seed \(seed)")
            XCTAssertLessThanOrEqual(last, Int(Double(c.slices) * 0.8), "seed \(seed)")
        }
    }

    /// In healthy knees the mask lies on the dark band: the mean intensity inside the mask is well
    /// below the mean of the ring of voxels just outside it (fat, bone, cartilage around the ACL).
    func testHealthyMaskLiesOnDarkBand() throws {
        for seed: UInt64 in 20..<30 {
            let c = try KneePhantom.generate(caseSeed: seed, technique: .train, torn: false, size: 128, slices: 24...24)
            let (inside, ring) = insideAndRingMeans(c, ringWidth: 3)
            if c.aclState == "intact" {
                XCTAssertLessThan(inside, 0.6 * ring, "seed \(seed): inside \(inside), ring \(ring)")
            } else {
                XCTAssertLessThan(inside, ring, "seed \(seed) (\(c.aclState)): inside \(inside), ring \(ring)")
            }
        }
    }

    /// A torn ACL is on average brighter (raised signal, oedema) relative to its surroundings than
    /// a healthy one, for the same anatomy seeds.
    func testTornACLIsBrighterThanHealthyOnAverage() throws {
        var healthy = 0.0, torn = 0.0
        for seed: UInt64 in 40..<50 {
            let h = try KneePhantom.generate(caseSeed: seed, technique: .siteA, torn: false, size: 96, slices: 24...24)
            let t = try KneePhantom.generate(caseSeed: seed, technique: .siteA, torn: true, size: 96, slices: 24...24)
            let (hi, hr) = insideAndRingMeans(h, ringWidth: 3), (ti, tr) = insideAndRingMeans(t, ringWidth: 3)
            healthy += hi / hr; torn += ti / tr
        }
        XCTAssertGreaterThan(torn, healthy * 1.3)
    }

    /// Mean intensity inside the mask and in a ring of `ringWidth` pixels around it (same slices).
    private func insideAndRingMeans(_ c: PhantomCase, ringWidth: Int) -> (Double, Double) {
        let w = c.width, h = c.height, n = w * h
        var si = 0.0, ni = 0.0, sr = 0.0, nr = 0.0
        for s in 0..<c.slices {
            let m = Array(c.aclMask[(s * n)..<((s + 1) * n)])
            guard m.contains(1) else { continue }
            for y in 0..<h {
                for x in 0..<w {
                    let v = Double(c.volume[s * n + y * w + x])
                    if m[y * w + x] == 1 { si += v; ni += 1; continue }
                    var near = false
                    for dy in -ringWidth...ringWidth where !near {
                        for dx in -ringWidth...ringWidth {
                            let yy = y + dy, xx = x + dx
                            if yy >= 0, yy < h, xx >= 0, xx < w, m[yy * w + xx] == 1 { near = true; break }
                        }
                    }
                    if near { sr += v; nr += 1 }
                }
            }
        }
        return (si / max(ni, 1), sr / max(nr, 1))
    }
}
