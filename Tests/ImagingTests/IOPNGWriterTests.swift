import CZlib
import Foundation
import XCTest
@testable import Imaging

/// PNGWriter output decoded by hand: signature, chunk layout, CRC-32 (computed here bit by bit,
/// independently of zlib), IHDR fields, and the inflated IDAT rows.
final class IOPNGWriterTests: XCTestCase {
    /// CRC-32 (IEEE, reflected, polynomial 0xEDB88320), bitwise.
    func crc32Bitwise(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
        }
        return ~c
    }

    func be32(_ b: [UInt8], _ at: Int) -> Int {
        Int(b[at]) << 24 | Int(b[at + 1]) << 16 | Int(b[at + 2]) << 8 | Int(b[at + 3])
    }

    /// Decodes a PNG the writer made: returns (width, height, colour type, pixels).
    func decode(_ png: [UInt8]) throws -> (Int, Int, UInt8, [UInt8]) {
        XCTAssertEqual(Array(png[0..<8]), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var at = 8
        var chunks: [(String, [UInt8])] = []
        while at < png.count {
            let length = be32(png, at)
            let type = Array(png[(at + 4)..<(at + 8)])
            let data = Array(png[(at + 8)..<(at + 8 + length)])
            XCTAssertEqual(be32(png, at + 8 + length), Int(crc32Bitwise(type + data)), "CRC of \(String(decoding: type, as: UTF8.self))")
            chunks.append((String(decoding: type, as: UTF8.self), data))
            at += 12 + length
        }
        XCTAssertEqual(at, png.count)
        XCTAssertEqual(chunks.map(\.0), ["IHDR", "IDAT", "IEND"])
        let ihdr = chunks[0].1
        XCTAssertEqual(ihdr.count, 13)
        let (w, h, colour) = (be32(ihdr, 0), be32(ihdr, 4), ihdr[9])
        XCTAssertEqual(Array(ihdr[8...]), [8, colour, 0, 0, 0], "bit depth 8, no interlace")
        let channels = colour == 0 ? 1 : 3
        var raw = [UInt8](repeating: 0, count: (w * channels + 1) * h)
        var rawLength = uLong(raw.count)
        let idat = chunks[1].1
        XCTAssertEqual(uncompress(&raw, &rawLength, idat, uLong(idat.count)), Z_OK)
        XCTAssertEqual(Int(rawLength), raw.count)
        var pixels: [UInt8] = []
        let rowBytes = w * channels
        for y in 0..<h {
            let filter = raw[y * (rowBytes + 1)]
            XCTAssertTrue(filter == 0 || filter == 2, "filter type of row \(y): \(filter)")
            let rowStart: Int = y * (rowBytes + 1) + 1
            for x in 0..<rowBytes {   // Up: add the byte above (0 above the first row), modulo 256
                let above: UInt8 = filter == 2 && y > 0 ? pixels[(y - 1) * rowBytes + x] : 0
                pixels.append(raw[rowStart + x] &+ above)
            }
        }
        return (w, h, colour, pixels)
    }

    func testCRCHelperKnownAnswer() {
        XCTAssertEqual(crc32Bitwise(Array("123456789".utf8)), 0xCBF4_3926)
    }

    func testGrayRoundTrip() throws {
        let (w, h) = (7, 5)
        let pixels = (0..<(w * h)).map { UInt8(($0 * 53 + 11) % 256) }
        let (dw, dh, colour, decoded) = try decode(PNGWriter.encodeGray(width: w, height: h, pixels: pixels))
        XCTAssertEqual([dw, dh], [w, h])
        XCTAssertEqual(colour, 0)
        XCTAssertEqual(decoded, pixels)
    }

    func testRGBRoundTripThroughAFile() throws {
        let (w, h) = (3, 4)
        let pixels = (0..<(w * h * 3)).map { UInt8(255 - ($0 * 17) % 256) }
        let dir = try IOTempDir()
        let path = dir.path + "/p.png"
        try PNGWriter.writeRGB(width: w, height: h, pixels: pixels, to: path)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(bytes, try PNGWriter.encodeRGB(width: w, height: h, pixels: pixels))
        let (dw, dh, colour, decoded) = try decode(bytes)
        XCTAssertEqual([dw, dh], [w, h])
        XCTAssertEqual(colour, 2)
        XCTAssertEqual(decoded, pixels)
        try PNGWriter.writeGray(width: 1, height: 1, pixels: [42], to: path)
        XCTAssertEqual(try decode([UInt8](Data(contentsOf: URL(fileURLWithPath: path)))).3, [42])
    }

    func testBadSizesAreShapeErrors() {
        assertImagingError(.shape, file: nil) { try PNGWriter.encodeGray(width: 2, height: 2, pixels: [1, 2, 3]) }
        assertImagingError(.shape, file: nil) { try PNGWriter.encodeRGB(width: 2, height: 2, pixels: [UInt8](repeating: 0, count: 4)) }
        assertImagingError(.shape, file: nil) { try PNGWriter.encodeGray(width: 0, height: 1, pixels: []) }
        assertImagingError(.shape, file: nil) { try PNGWriter.encodeGray(width: -1, height: -1, pixels: [0]) }
        assertImagingError(.shape, file: nil) { try PNGWriter.encodeRGB(width: Int.max, height: Int.max, pixels: [0]) }
        assertImagingError(.shape, file: nil) { try PNGWriter.encodeGray(width: 1 << 32, height: 1, pixels: [0]) }
    }

    /// A path whose parent is a regular file cannot be written, even as root.
    func testUnwritablePathIsIOError() throws {
        let dir = try IOTempDir()
        let blocker = try dir.write([1], "file")
        assertImagingError(.io, file: blocker + "/p.png") { try PNGWriter.writeGray(width: 1, height: 1, pixels: [0], to: blocker + "/p.png") }
        assertImagingError(.io, file: blocker + "/x.npy") { try NpyWriter.write(float32: [1], shape: [1], to: blocker + "/x.npy") }
    }

    /// NpyWriter's throwing entry points reject a shape that does not match the samples.
    func testNpyWriterShapeChecks() {
        assertImagingError(.shape, file: "/tmp/x.npy") { try NpyWriter.write(uint8: [1, 2, 3], shape: [2, 2], to: "/tmp/x.npy") }
        assertImagingError(.shape, file: "/tmp/x.npy") { try NpyWriter.write(float32: [1, 2], shape: [-1, -2], to: "/tmp/x.npy") }
    }
}
