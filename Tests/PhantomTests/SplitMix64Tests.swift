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

    func testNoiseTableIsStandardNormal() {
        let t = Acquisition.normalTable
        XCTAssertEqual(t.count, Acquisition.tableLength + 8192)
        var s1 = 0.0, s2 = 0.0, s4 = 0.0, within1 = 0.0
        for v in t { let d = Double(v); s1 += d; s2 += d * d; s4 += d * d * d * d; within1 += abs(d) < 1 ? 1 : 0 }
        let n = Double(t.count), mean = s1 / n, variance = s2 / n - mean * mean
        assertClose(mean, 0, abs: 0.004)            // 5σ of the mean: 5/√2.1e6 ≈ 0.0035
        assertClose(variance, 1, abs: 0.005)
        assertClose(s4 / n, 3, abs: 0.03)           // normal kurtosis
        assertClose(within1 / n, 0.6827, abs: 0.002)
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
