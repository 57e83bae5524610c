import XCTest
import TestSupport
@testable import Phantom

final class SplitMix64Tests: XCTestCase {
    /// Known answers of the reference SplitMix64 (Vigna's splitmix64.c) from seed 0.
    func testReferenceSequenceFromSeedZero() {
        var r = SplitMix64(seed: 0)
        XCTAssertEqual(r.next(), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(r.next(), 0x6E78_9E6A_A1B9_65F4)
        XCTAssertEqual(r.next(), 0x06C4_5D18_8009_454F)
    }

    func testUnitIsInHalfOpenIntervalWithMeanOneHalf() {
        var r = SplitMix64(seed: 42)
        var sum = 0.0
        for _ in 0..<100_000 {
            let u = r.unit()
            XCTAssert(u >= 0 && u < 1)
            sum += Double(u)
        }
        // Standard error of the mean of U(0,1) over 1e5 draws: 0.29/316 ≈ 0.0009; 5σ.
        assertClose(sum / 100_000, 0.5, abs: 0.0046)
    }

    func testNoiseSourceIsApproximatelyStandardNormal() {
        var n = NoiseSource(seed: 7)
        var s1 = 0.0, s2 = 0.0, maxAbs: Float = 0
        let count = 200_000
        for _ in 0..<(count / 2) {
            let (a, b) = n.normalPair()
            s1 += Double(a) + Double(b); s2 += Double(a * a) + Double(b * b)
            maxAbs = max(maxAbs, abs(a), abs(b))
        }
        let mean = s1 / Double(count), variance = s2 / Double(count) - mean * mean
        assertClose(mean, 0, abs: 0.012)            // 5σ of the mean: 5/√2e5 ≈ 0.011
        assertClose(variance, 1, abs: 0.02)
        XCTAssertLessThanOrEqual(maxAbs, 3.47)      // Irwin–Hall(4) support: ±√12
    }

    func testCaseSeedsDependOnSeedDatasetAndIndexOnly() {
        let a = PhantomSeed.caseSeed(seed: 7, dataset: "train", index: 3)
        XCTAssertEqual(a, PhantomSeed.caseSeed(seed: 7, dataset: "train", index: 3))
        XCTAssertNotEqual(a, PhantomSeed.caseSeed(seed: 8, dataset: "train", index: 3))
        XCTAssertNotEqual(a, PhantomSeed.caseSeed(seed: 7, dataset: "site-a", index: 3))
        XCTAssertNotEqual(a, PhantomSeed.caseSeed(seed: 7, dataset: "train", index: 4))
        // FNV-1a known answers: empty string is the offset basis; "a" from the reference tables.
        XCTAssertEqual(PhantomSeed.hash(""), 0xCBF2_9CE4_8422_2325)
        XCTAssertEqual(PhantomSeed.hash("a"), 0xAF63_DC4C_8601_EC8C)
    }
}
