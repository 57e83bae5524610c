import XCTest
@testable import Imaging

final class MorphologyTests: XCTestCase {
    func mask(_ rows: [String]) -> [UInt8] { rows.flatMap { $0.map { $0 == "#" ? UInt8(1) : 0 } } }

    func testLargestComponentFourConnected() {
        var m = mask([
            "##...",
            "##..#",
            "...#.",   // diagonal neighbours are separate components under 4-connectivity
            "..###",
        ])
        let size = Morphology.keepLargestComponent(&m, height: 4, width: 5)
        XCTAssertEqual(size, 4)
        XCTAssertEqual(m, mask(["##...", "##...", ".....", "....."]))
    }

    func testLargestComponentTieTakesFirstInRasterOrder() {
        var m = mask(["#.#", "#.#"])
        Morphology.keepLargestComponent(&m, height: 2, width: 3)
        XCTAssertEqual(m, mask(["#..", "#.."]))
    }

    func testFillHoles() {
        var m = mask([
            ".....",
            ".###.",
            ".#.#.",
            ".###.",
            "..#..",
        ])
        Morphology.fillHoles(&m, height: 5, width: 5)
        XCTAssertEqual(m, mask([".....", ".###.", ".###.", ".###.", "..#.."]))
        // A gap open to the border is not a hole; a diagonal-only leak still is a hole (4-conn).
        var open = mask(["###", "#..", "###"])
        Morphology.fillHoles(&open, height: 3, width: 3)
        XCTAssertEqual(open, mask(["###", "#..", "###"]))
        var diag = mask([".##.", "#..#", "#..#", ".##."])
        Morphology.fillHoles(&diag, height: 4, width: 4)
        XCTAssertEqual(diag, mask([".##.", "####", "####", ".##."]))
    }

    func testEmptyMaskStaysEmpty() {
        var m = [UInt8](repeating: 0, count: 12)
        XCTAssertEqual(Morphology.keepLargestComponent(&m, height: 3, width: 4), 0)
        Morphology.fillHoles(&m, height: 3, width: 4)
        XCTAssertEqual(m, [UInt8](repeating: 0, count: 12))
    }
}
