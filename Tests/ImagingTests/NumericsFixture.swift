import Common
import Foundation
import XCTest

/// The cross-check fixtures made by Fixtures/numerics/make_numerics_fixtures.py.
struct NumericsFixture: Decodable {
    struct NMFCase: Decodable {
        let slices: Int, height: Int, width: Int, k: Int
        let data: [Int]
        let sklearn_relative_error: Double
        let sklearn_iterations: Int
    }
    struct OtsuCase: Decodable { let pixels: [Int]; let threshold: Int }
    struct GaussianCase: Decodable {
        let height: Int, width: Int
        let image: [Float], sigma1: [Float], sigma0_7: [Float], sigma3: [Float]
    }
    struct PercentileCase: Decodable { let values: [Float]; let q: [Double]; let expected: [Double] }
    struct EqualizeCase: Decodable { let image: [Float]; let expected: [Int] }
    let nmf: NMFCase
    let otsu: [OtsuCase]
    let gaussian: GaussianCase
    let percentile: PercentileCase
    let equalize: EqualizeCase

    static func load() throws -> NumericsFixture {
        let base = try XCTUnwrap(Bundle.module.resourceURL)
        let url = base.appendingPathComponent("Fixtures/numerics/numerics.json")
        return try JSONDecoder().decode(NumericsFixture.self, from: Data(contentsOf: url))
    }
}

/// Test-data draws on the shared generator.
extension SplitMix64 {
    init(_ seed: UInt64) { self.init(seed: seed) }
    mutating func uniform() -> Double { nextUnit() }
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
