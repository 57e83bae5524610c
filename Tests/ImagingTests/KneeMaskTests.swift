import XCTest
@testable import Imaging

final class KneeMaskTests: XCTestCase {
    /// Brute-force closing: pad by r, dilate and erode with the (2r+1)² square by definition, crop.
    func closingByDefinition(_ m: [UInt8], h: Int, w: Int, r: Int) -> [UInt8] {
        let ph = h + 2 * r, pw = w + 2 * r
        var p = [UInt8](repeating: 0, count: ph * pw)
        for y in 0..<h { for x in 0..<w { p[(y + r) * pw + x + r] = m[y * w + x] != 0 ? 1 : 0 } }
        func at(_ a: [UInt8], _ y: Int, _ x: Int) -> UInt8 { y < 0 || x < 0 || y >= ph || x >= pw ? 0 : a[y * pw + x] }
        var d = p, e = p
        for y in 0..<ph { for x in 0..<pw {
            var any: UInt8 = 0
            for dy in -r...r { for dx in -r...r where at(p, y + dy, x + dx) != 0 { any = 1 } }
            d[y * pw + x] = any
        } }
        for y in 0..<ph { for x in 0..<pw {
            var all: UInt8 = 1
            for dy in -r...r { for dx in -r...r where at(d, y + dy, x + dx) == 0 { all = 0 } }
            e[y * pw + x] = all
        } }
        var out = [UInt8](repeating: 0, count: h * w)
        for y in 0..<h { for x in 0..<w { out[y * w + x] = e[(y + r) * pw + x + r] } }
        return out
    }

    func testClosingMatchesDefinitionOnRandomMasks() {
        var state: UInt64 = 0x1234_5678
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        for (h, w) in [(1, 1), (3, 7), (17, 11), (24, 24)] {
            for r in [1, 2, 3, 5] {
                for density in [20, 50, 80] {
                    let m = (0..<(h * w)).map { _ in UInt8(next() % 100 < UInt64(density) ? 1 : 0) }
                    var got = m
                    Morphology.close(&got, height: h, width: w, radius: r)
                    XCTAssertEqual(got, closingByDefinition(m, h: h, w: w, r: r), "\(h)×\(w) r=\(r) density \(density)")
                }
            }
        }
    }

    func testClosingSealsAGapNarrowerThanTheSquare() {
        // Two blocks separated by a 2-px gap: a radius-1 closing (3×3) bridges it, none leaves it.
        let rows = ["###..###", "###..###", "###..###"]
        let m = rows.flatMap { $0.map { $0 == "#" ? UInt8(1) : 0 } }
        var closed = m
        Morphology.close(&closed, height: 3, width: 8, radius: 1)
        XCTAssertEqual(closed, [UInt8](repeating: 1, count: 24), "gap of 2 closed by a 3×3 square, border not eroded")
        var untouched = m
        Morphology.close(&untouched, height: 3, width: 8, radius: 0)
        XCTAssertEqual(untouched, m)
    }

    /// A 64×64×6 volume: air of noise 0…12, a bright disc (radius 22) holding a dark band (value 2,
    /// darker than the air's mean) through its middle and a dark cleft (2 px wide) that opens to the
    /// disc's edge. The knee mask must hold the whole disc, band and cleft included, and nothing
    /// further than the closing radius outside it.
    static func handBuiltVolume() -> (Volume, disc: [Bool]) {
        let s = 6, n = 64
        var data = [Float](repeating: 0, count: s * n * n)
        var disc = [Bool](repeating: false, count: n * n)
        var state: UInt64 = 99
        for k in 0..<s { for y in 0..<n { for x in 0..<n {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let noise = Float(state >> 40) / Float(1 << 24) * 12
            let dx = Float(x) - 31.5, dy = Float(y) - 31.5
            let inside = dx * dx + dy * dy <= 22 * 22
            disc[y * n + x] = inside
            var v = noise
            if inside {
                v = 150 + Float(k) * 5 + noise
                if abs(dy) < 2 && abs(dx) < 15 { v = 2 }                // the dark band (a ligament)
                if x >= 48 && (y == 31 || y == 32) { v = 1 }            // a cleft open to the outside
            }
            data[(k * n + y) * n + x] = v
        } } }
        return (try! Volume(slices: s, height: n, width: n, data: data), disc)
    }

    func testKneeMaskHoldsTheDarkInteriorAndLeavesTheAirOut() throws {
        let (v, disc) = Self.handBuiltVolume()
        let out = try KneeMask.compute(v, options: SliceOptions())
        XCTAssertNotNil(out.logThreshold)
        var missed = 0, far = 0
        for i in disc.indices {
            if disc[i] && out.mask[i] == 0 { missed += 1 }
            let dx = Float(i % 64) - 31.5, dy = Float(i / 64) - 31.5
            if out.mask[i] != 0 && dx * dx + dy * dy > 24 * 24 { far += 1 }
        }
        XCTAssertEqual(missed, 0, "every disc pixel, band and cleft included, is foreground")
        XCTAssertEqual(far, 0, "the air stays outside (σ = 1 smoothing may blur the rim by a pixel or two)")
        XCTAssertEqual(out.foreground, out.mask.filter { $0 != 0 }.count)

        // Without closing the cleft stays open to the outside, so hole filling cannot reach it.
        var o = SliceOptions(); o.closingRadius = 0
        let open = try KneeMask.compute(v, options: o)
        XCTAssertTrue(open.mask[31 * 64 + 58] == 0, "the cleft is background without a closing")
        XCTAssertTrue(open.mask[31 * 64 + 20] == 1, "the enclosed band is filled either way")
    }

    func testConstantAndNonFiniteVolumes() throws {
        let flat = try Volume(slices: 2, height: 8, width: 8, data: [Float](repeating: 5, count: 128))
        let out = try KneeMask.compute(flat, options: SliceOptions())
        XCTAssertNil(out.logThreshold)
        XCTAssertEqual(out.foreground, 0)
        var bad = [Float](repeating: 1, count: 128); bad[7] = .nan
        XCTAssertThrowsError(try KneeMask.compute(try Volume(slices: 2, height: 8, width: 8, data: bad), options: SliceOptions())) { e in
            XCTAssertEqual((e as? ImagingError)?.code, .nonFinite)
        }
    }

    func testPreprocessorSharesTheKneeMaskAcrossBaseImages() throws {
        let (v, disc) = Self.handBuiltVolume()
        var o = PreprocessOptions(); o.nmf.components = 3
        let r = try Preprocessor.run(v, options: o)
        let px = 64 * 64
        for k in 0..<3 { XCTAssertEqual(Array(r.masks[(k * px)..<((k + 1) * px)]), Array(r.masks[0..<px])) }
        XCTAssertTrue(disc.indices.allSatisfy { !disc[$0] || r.masks[$0] == 1 })
        XCTAssertEqual(r.weights.count, 6 * 3)
        XCTAssertTrue(r.metrics.thresholds.allSatisfy { $0 == nil })
    }

    func testOptionsDecodeAndValidate() throws {
        let o = try JSONDecoder().decode(SliceOptions.self, from: Data(#"{"foreground":"tissue","closingRadius":5}"#.utf8))
        XCTAssertEqual(o.foreground, .tissue); XCTAssertEqual(o.closingRadius, 5)
        XCTAssertEqual(try JSONDecoder().decode(SliceOptions.self, from: Data("{}".utf8)).foreground, .knee)
        var bad = SliceOptions(); bad.closingRadius = -1
        XCTAssertThrowsError(try bad.validate())
        XCTAssertThrowsError(try JSONDecoder().decode(SliceOptions.self, from: Data(#"{"foreground":"bone"}"#.utf8)))
    }
}

final class KneeAnchorTests: XCTestCase {
    /// A 40×30 mean image: bright (200) everywhere but a dark joint line at row 22 (value 20)
    /// under the knee, columns 10…29 the mask. The anchor is that row and the mask's centroid
    /// column; a darker row outside the middle half (row 5) does not count.
    func testAnchorIsTheDarkestMiddleRowUnderTheKnee() throws {
        let h = 40, w = 30
        var img = [Float](repeating: 200, count: h * w), mask = [UInt8](repeating: 0, count: h * w)
        for y in 0..<h { for x in 10..<30 { mask[y * w + x] = 1 } }
        for x in 0..<w { img[22 * w + x] = 20; img[5 * w + x] = 0 }
        let a = try XCTUnwrap(try KneeAnchor.find(meanImage: img, mask: mask, height: h, width: w))
        XCTAssertEqual(a, KneeAnchor(row: 22, column: 19))   // centroid of columns 10…29 is 19.5 → 19
        XCTAssertNil(try KneeAnchor.find(meanImage: img, mask: [UInt8](repeating: 0, count: h * w), height: h, width: w))
    }

    func testKneeMaskCarriesTheAnchor() throws {
        let (v, _) = KneeMaskTests.handBuiltVolume()
        let out = try KneeMask.compute(v, options: SliceOptions())
        let a = try XCTUnwrap(out.anchor)
        // The dark band (rows 30…33) through the disc's middle is the darkest row under the knee.
        XCTAssertTrue((30...33).contains(a.row), "\(a)")
        XCTAssertTrue((28...35).contains(a.column), "\(a)")
    }
}
