import XCTest
@testable import Imaging

/// LAPACK's dsyevd and the Jacobi reference against a hand case and against each other.
final class SymmetricEigenTests: XCTestCase {
    func testTwoByTwoByHand() {
        // [[2, 1], [1, 2]]: eigenvalues 3 and 1, eigenvectors (1, 1)/√2 and (1, −1)/√2.
        for (name, result) in [("lapack", SymmetricEigen.decompose([2, 1, 1, 2], n: 2)),
                               ("jacobi", SymmetricEigen.jacobi([2, 1, 1, 2], n: 2))] {
            XCTAssertEqual(result.values[0], 3, accuracy: 1e-12, name)
            XCTAssertEqual(result.values[1], 1, accuracy: 1e-12, name)
            let s = 0.5.squareRoot()
            // column j of the row-major matrix is vector j; largest-magnitude entry positive (first on ties)
            XCTAssertEqual(result.vectors[0], s, accuracy: 1e-12, name); XCTAssertEqual(result.vectors[2], s, accuracy: 1e-12, name)
            XCTAssertEqual(result.vectors[1], s, accuracy: 1e-12, name); XCTAssertEqual(result.vectors[3], -s, accuracy: 1e-12, name)
        }
    }

    func testLapackAgreesWithJacobiAndSatisfiesTheDefinition() {
        var state: UInt64 = 42
        func next() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 11) / Double(1 << 53) }
        for n in [1, 3, 12, 32] {
            // A Gram matrix, like the NMF's: X·Xᵀ for a random non-negative n×40 X.
            let x = (0..<(n * 40)).map { _ in next() }
            var a = [Double](repeating: 0, count: n * n)
            for i in 0..<n { for j in 0..<n { for c in 0..<40 { a[i * n + j] += x[i * 40 + c] * x[j * 40 + c] } } }
            let fast = SymmetricEigen.decompose(a, n: n), reference = SymmetricEigen.jacobi(a, n: n)
            let scale = fast.values[0]
            for j in 0..<n {
                XCTAssertEqual(fast.values[j], reference.values[j], accuracy: 1e-10 * scale, "n \(n) value \(j)")
                if j > 0 { XCTAssertGreaterThanOrEqual(fast.values[j - 1], fast.values[j]) }
                // A·v = λ·v
                for i in 0..<n {
                    var av = 0.0
                    for k in 0..<n { av += a[i * n + k] * fast.vectors[k * n + j] }
                    XCTAssertEqual(av, fast.values[j] * fast.vectors[i * n + j], accuracy: 1e-9 * scale, "n \(n) pair \(j)")
                }
            }
            // The leading vectors (well separated here) agree entry by entry after sign normalisation.
            for j in 0..<min(n, 3) { for i in 0..<n {
                XCTAssertEqual(fast.vectors[i * n + j], reference.vectors[i * n + j], accuracy: 1e-7, "n \(n) vector \(j)")
            } }
        }
    }
}
