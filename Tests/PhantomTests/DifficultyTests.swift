import XCTest
@testable import Phantom

/// How hard the synthetic task is: trivial cues must not decide the label, while the ACL itself
/// carries the signal. AUCs by the Mann–Whitney statistic over the 300 cases (75 tears) of
/// dataset `train` with seed 7 — the same anatomies (and so the same effusions) as
/// `kneeflow synth --seed 7 --datasets train:300`, here at 32 × 32 to keep the test fast.
final class DifficultyTests: XCTestCase {
    /// AUC = P(score of a positive > score of a negative) + ½ P(tie), by brute force over pairs.
    static func auc(_ scores: [Double], _ labels: [Bool]) -> Double {
        let pos = zip(scores, labels).filter { $0.1 }.map(\.0), neg = zip(scores, labels).filter { !$0.1 }.map(\.0)
        var wins = 0.0
        for p in pos { for n in neg { wins += p > n ? 1 : (p == n ? 0.5 : 0) } }
        return wins / Double(pos.count * neg.count)
    }

    func testAUCByBruteForceKnownAnswers() {
        XCTAssertEqual(Self.auc([1, 2, 3, 4], [false, false, true, true]), 1)
        XCTAssertEqual(Self.auc([4, 3, 2, 1], [false, false, true, true]), 0)
        XCTAssertEqual(Self.auc([1, 3, 2, 4], [false, true, false, true]), 1)
        XCTAssertEqual(Self.auc([1, 2, 2, 3], [false, true, false, true]), 0.875)  // pairs: 1, ½, 1, 1
    }

    func testTrivialCuesAreWeakButTheACLIsInformative() throws {
        let d = CohortSpec.Dataset(name: "train", count: 300)
        let spec = CohortSpec(datasets: [d], seed: 7, size: 32, slices: 20...40)
        let labels = spec.labels(for: d)
        var notch: [Double] = [], effusion: [Double] = [], ligament: [Double] = []
        for i in 0..<d.count {
            let c = try Cohort.generate(spec, dataset: d, index: i)
            let n = c.width * c.height
            // Bounding box of the mask over all slices.
            var s0 = Int.max, s1 = -1, y0 = Int.max, y1 = -1, x0 = Int.max, x1 = -1
            var maskSum = 0.0, maskCount = 0.0, total = 0.0
            for s in 0..<c.slices {
                for y in 0..<c.height {
                    for x in 0..<c.width {
                        let j = s * n + y * c.width + x
                        total += Double(c.volume[j])
                        if c.aclMask[j] != 0 {
                            s0 = min(s0, s); s1 = max(s1, s); y0 = min(y0, y); y1 = max(y1, y); x0 = min(x0, x); x1 = max(x1, x)
                            maskSum += Double(c.volume[j]); maskCount += 1
                        }
                    }
                }
            }
            XCTAssertGreaterThan(maskCount, 0)
            var boxSum = 0.0, boxCount = 0.0
            for s in s0...s1 { for y in y0...y1 { for x in x0...x1 { boxSum += Double(c.volume[s * n + y * c.width + x]); boxCount += 1 } } }
            let volumeMean = total / Double(c.volume.count)
            notch.append(boxSum / boxCount)
            effusion.append(Double(c.effusion))
            ligament.append(maskSum / maskCount / volumeMean)
        }
        let notchAUC = Self.auc(notch, labels), effusionAUC = Self.auc(effusion, labels), aclAUC = Self.auc(ligament, labels)
        print(String(format: "difficulty: AUC notch-box mean %.3f, effusion %.3f, ACL-mask mean / volume mean %.3f",
                     notchAUC, effusionAUC, aclAUC))
        XCTAssertLessThan(notchAUC, 0.8, "mean intensity in the notch box must not decide")
        XCTAssertLessThan(effusionAUC, 0.8, "effusion must not decide")
        XCTAssertGreaterThan(effusionAUC, 0.55, "effusion is more frequent with tears")
        XCTAssertGreaterThan(aclAUC, 0.85, "the ACL's own signal must be learnable")
    }
}
