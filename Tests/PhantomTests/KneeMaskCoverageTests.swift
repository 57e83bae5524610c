import XCTest
import Imaging
@testable import Phantom

/// The foreground mask must hold the ligament the method exists to isolate, and keep the air
/// out, on every recording technique: the presets and a site drawn from the ranges. Measured on
/// the phantom's ground truth (ACL mask projected over the slices; body mask = tissue on any
/// slice), which is never an input to the chain.
final class KneeMaskCoverageTests: XCTestCase {
    struct Coverage { var acl: Double; var air: Double }

    /// ACL pixels (any slice) inside the foreground of base image 0 (the `.knee` mask is one per
    /// volume), and air pixels inside it, over `cases` cases (half of them torn) of `dataset`.
    func coverage(dataset: String, foreground: SliceOptions.Foreground, cases: Int = 4) throws -> Coverage {
        let d = CohortSpec.Dataset(name: dataset, count: cases)
        let spec = CohortSpec(datasets: [d], seed: 11, size: 96, slices: 16...24, tearFraction: 0.5)
        var aclIn = 0, acl = 0, airIn = 0, air = 0
        for i in 0..<cases {
            let c = try Cohort.generate(spec, dataset: d, index: i)
            let v = try Volume(slices: c.slices, height: c.height, width: c.width, data: c.volume.map(Float.init))
            var o = PreprocessOptions(); o.slice.foreground = foreground; o.nmf.components = 6
            let r = try Preprocessor.run(v, options: o)
            let n = c.height * c.width
            // The base image that carries the ligament: most of the ACL slices' weight.
            var best = 0, bestWeight = -1.0
            for k in 0..<6 {
                var wsum = 0.0
                for s in 0..<c.slices {
                    let count = c.aclMask[(s * n)..<((s + 1) * n)].reduce(0) { $0 + Int($1) }
                    wsum += Double(count) * Double(r.weights[s * 6 + k])
                }
                if wsum > bestWeight { bestWeight = wsum; best = k }
            }
            let mask = r.masks[(best * n)..<((best + 1) * n)]
            for p in 0..<n {
                let inMask = mask[mask.startIndex + p] != 0
                if (0..<c.slices).contains(where: { c.aclMask[$0 * n + p] != 0 }) { acl += 1; if inMask { aclIn += 1 } }
                if c.bodyMask[p] == 0 { air += 1; if inMask { airIn += 1 } }
            }
        }
        return Coverage(acl: Double(aclIn) / Double(max(acl, 1)), air: Double(airIn) / Double(max(air, 1)))
    }

    func testKneeMaskHoldsTheLigamentOnEveryTechnique() throws {
        for dataset in ["train", "site-a", "site-b", "clinic-q"] {
            let c = try coverage(dataset: dataset, foreground: .knee)
            print(String(format: "knee mask %@: ACL inside %.3f, air inside %.4f", dataset, c.acl, c.air))
            XCTAssertGreaterThanOrEqual(c.acl, 0.95, "\(dataset): the ligament must lie inside the knee mask")
            XCTAssertLessThan(c.air, 0.02, "\(dataset): the air must stay outside")
        }
    }

    func testTissueMaskDropsTheLigament() throws {
        // The per-image Otsu foreground that the knee mask replaced: the measurement above can
        // fail, and does for the old definition.
        let c = try coverage(dataset: "train", foreground: .tissue)
        XCTAssertLessThan(c.acl, 0.6)
    }

    func testBodyMaskIsTheTissueOnAnySlice() throws {
        let d = CohortSpec.Dataset(name: "site-b", count: 1)
        let c = try Cohort.generate(CohortSpec(datasets: [d], seed: 3, size: 64, slices: 10...12), dataset: d, index: 0)
        XCTAssertEqual(c.bodyMask.count, 64 * 64)
        let inside = c.bodyMask.filter { $0 == 1 }.count
        XCTAssertGreaterThan(inside, 64 * 64 / 3)
        XCTAssertLessThan(inside, 64 * 64)
        // Every ACL voxel is tissue.
        let n = 64 * 64
        for s in 0..<c.slices { for p in 0..<n where c.aclMask[s * n + p] != 0 { XCTAssertEqual(c.bodyMask[p], 1) } }
    }
}
