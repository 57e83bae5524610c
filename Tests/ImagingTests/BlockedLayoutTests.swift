import XCTest
import CImagingKernels
@testable import Imaging

/// The column-blocked layout of the fused HALS kernel and the small C helpers around it,
/// against definitions written out by hand.
final class BlockedLayoutTests: XCTestCase {
    func testPackUnpackRoundTripWithTailBlock() {
        let (rows, columns) = (3, 150)   // 3 blocks of 64, the last one 22 wide
        let b = Blocked.columnsPerBlock
        XCTAssertEqual(b, 64)
        let src = (0..<(rows * columns)).map { Float($0) }
        let packed = src.withUnsafeBufferPointer { Blocked(packing: $0.baseAddress!, rows: rows, columns: columns) }
        XCTAssertEqual(packed.blocks, 3)
        let f = packed.floats!
        XCTAssertEqual(f.count, 3 * rows * b)
        for blk in 0..<3 { for i in 0..<rows { for l in 0..<b {
            let c = blk * b + l
            let expected: Float = c < columns ? src[i * columns + c] : 0
            XCTAssertEqual(f.pointer[(blk * rows + i) * b + l], expected, "block \(blk) row \(i) lane \(l)")
        } } }
        XCTAssertEqual(packed.unpacked(), src)
        XCTAssertEqual(Int(bitPattern: UnsafeRawPointer(f.pointer)) % 64, 0)
    }

    func testScanFlagsAndPacksBytes() {
        let (m, n) = (2, 70)
        var v = (0..<(m * n)).map { Float($0 % 256) }
        let packed = AlignedBuffer<UInt8>(count: Blocked.count(rows: m, columns: n))
        var norm2 = 0.0, isBytes: Int32 = 0
        var scratch = [UInt8](repeating: 0, count: m * Int(kf_scan_scratch_bytes()))
        XCTAssertEqual(kf_scan(v, Int32(m), n, packed.pointer, &norm2, &isBytes, 2, &scratch, 1, 1, Int32(n), nil, nil), 0)
        XCTAssertEqual(isBytes, 1)
        XCTAssertEqual(norm2, v.reduce(0) { $0 + Double($1) * Double($1) })
        for i in 0..<m { for c in 0..<n {
            XCTAssertEqual(packed.pointer[((c / 64) * m + i) * 64 + c % 64], UInt8(v[i * n + c]))
        } }
        XCTAssertEqual(packed.pointer[(1 * m + 0) * 64 + 10], 0, "padding is zero")
        v[69] = 2.5
        XCTAssertEqual(kf_scan(v, Int32(m), n, nil, &norm2, &isBytes, 1, &scratch, 1, 1, Int32(n), nil, nil), 0)
        XCTAssertEqual(isBytes, 0)
        v[69] = 256
        XCTAssertEqual(kf_scan(v, Int32(m), n, nil, &norm2, &isBytes, 1, &scratch, 1, 1, Int32(n), nil, nil), 0)
        XCTAssertEqual(isBytes, 0)
        for (index, bad, code) in [(3, Float.nan, Int32(1)), (139, .infinity, 1), (17, -1, 2), (138, -.infinity, 1)] {
            var w = (0..<(m * n)).map { Float($0 % 256) }
            w[index] = bad
            XCTAssertEqual(kf_scan(w, Int32(m), n, nil, &norm2, &isBytes, 2, &scratch, 1, 1, Int32(n), nil, nil), code, "\(bad) at \(index)")
        }
    }

    /// The scan bins each slice while it has it in cache: same numbers as binning separately.
    func testScanBinsLikeTheSeparateBinning() {
        let (m, height, width) = (3, 10, 13)   // edge bins at both sides for factors 2 and 4
        let v = (0..<(m * height * width)).map { Float(($0 * 37) % 251) }
        for factor in [2, 4] {
            let ch = (height + factor - 1) / factor, cw = (width + factor - 1) / factor
            var binned = [Float](repeating: -1, count: m * ch * cw)
            var binScratch = [Float](repeating: 0, count: m * width)
            var scratch = [UInt8](repeating: 0, count: m * Int(kf_scan_scratch_bytes()))
            var norm2 = 0.0, isBytes: Int32 = 0
            XCTAssertEqual(kf_scan(v, Int32(m), height * width, nil, &norm2, &isBytes, 2, &scratch, Int32(factor), Int32(height),
                                   Int32(width), &binned, &binScratch), 0)
            let separate = Coarse(v, m: m, height: height, width: width, factor: factor)!
            XCTAssertEqual(binned, separate.data, "factor \(factor)")
            // and the definition: the mean of each bin
            for i in 0..<m { for by in 0..<ch { for bx in 0..<cw {
                var s = 0.0, c = 0.0
                for y in (by * factor)..<min(height, by * factor + factor) { for x in (bx * factor)..<min(width, bx * factor + factor) {
                    s += Double(v[i * height * width + y * width + x]); c += 1
                } }
                XCTAssertEqual(Double(binned[i * ch * cw + by * cw + bx]), s / c, accuracy: 1e-4)
            } } }
        }
    }

    func testBinningAveragesWithSmallerEdgeBins() {
        // One 3×5 image, factor 2: bins of 2×2, 2×1, 1×2, 1×1 at the edges.
        let v: [Float] = [1, 2, 3, 4, 5,
                          6, 7, 8, 9, 10,
                          11, 12, 13, 14, 15]
        let c = Coarse(v, m: 1, height: 3, width: 5, factor: 2)!
        XCTAssertEqual(c.coarseHeight, 2); XCTAssertEqual(c.coarseWidth, 3)
        XCTAssertEqual(c.data, [4, 6, 7.5, 11.5, 13.5, 15])
        // Replication back to full resolution and onto a finer level.
        XCTAssertEqual(c.upsample([1, 2, 3, 4, 5, 6], rows: 1), [1, 1, 2, 2, 3, 1, 1, 2, 2, 3, 4, 4, 5, 5, 6])
        let img = (0..<64).map { Float($0) }
        let c4 = Coarse(img, m: 1, height: 8, width: 8, factor: 4)!, c2 = Coarse(img, m: 1, height: 8, width: 8, factor: 2)!
        XCTAssertEqual(c4.upsample([1, 2, 3, 4], rows: 1, to: c2),
                       [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
    }

    /// One W sweep of the C kernel against the HALS update written out in float64.
    func testUpdateWOneSweepByHand() {
        let (m, r) = (3, 2)
        var w: [Float] = [1, 0.5, 0, 2, 3, 1]
        let a: [Float] = [4, 1, 2, 6, 9, 3]
        let b: [Float] = [2, 0.5, 0.5, 1]
        var expected = w.map(Double.init)
        for k in 0..<r {
            for i in 0..<m {
                var g = -Double(a[i * r + k])
                for j in 0..<r { g += expected[i * r + j] * Double(b[j * r + k]) }
                expected[i * r + k] = max(0, expected[i * r + k] - g / Double(b[k * r + k]))
            }
        }
        var scratch = [Float](repeating: 0, count: 2 * m * r + m)
        _ = kf_hals_update_w(&w, a, b, Int32(m), Int32(r), 0, 0, 1, 0, &scratch)
        for i in 0..<(m * r) { XCTAssertEqual(Double(w[i]), expected[i], accuracy: 1e-5) }
    }
}
