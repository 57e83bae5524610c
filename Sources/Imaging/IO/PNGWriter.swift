import CZlib
import Common

/// Writer for 8-bit grayscale and RGB PNG files (no interlace, filter Up on every row, zlib deflate).
public enum PNGWriter {
    /// Encodes a grayscale image; `pixels.count == width * height`, row-major.
    public static func encodeGray(width: Int, height: Int, pixels: [UInt8]) throws -> [UInt8] {
        try encode(width: width, height: height, channels: 1, pixels: pixels)
    }

    /// Encodes an RGB image; `pixels.count == width * height * 3`, row-major, interleaved RGB.
    public static func encodeRGB(width: Int, height: Int, pixels: [UInt8]) throws -> [UInt8] {
        try encode(width: width, height: height, channels: 3, pixels: pixels)
    }

    /// Writes a grayscale PNG atomically.
    public static func writeGray(width: Int, height: Int, pixels: [UInt8], to path: String) throws {
        let bytes = try encodeGray(width: width, height: height, pixels: pixels)
        do { try AtomicFile.write(bytes, to: path) } catch { throw ImagingError(.io, "\(error)", file: path) }
    }

    /// Writes an RGB PNG atomically.
    public static func writeRGB(width: Int, height: Int, pixels: [UInt8], to path: String) throws {
        let bytes = try encodeRGB(width: width, height: height, pixels: pixels)
        do { try AtomicFile.write(bytes, to: path) } catch { throw ImagingError(.io, "\(error)", file: path) }
    }

    static func encode(width: Int, height: Int, channels: Int, pixels: [UInt8]) throws -> [UInt8] {
        // PNG limits each dimension to 2^31 - 1; the product is checked without overflow.
        guard width > 0, height > 0, width <= Int(Int32.max), height <= Int(Int32.max),
              let needed = checkedProduct([width, height, channels]), pixels.count == needed else {
            throw ImagingError(.shape, "PNG \(width)×\(height)×\(channels) does not match \(pixels.count) pixel bytes")
        }
        let rowBytes = width * channels
        // Filter type Up on every row (the difference to the row above; above the first row is 0):
        // on a 2604×784 preview montage it compresses to 1.99 MB in 71 ms at level 1, against
        // 2.30 MB in 105 ms unfiltered (Python zlib, same bytes).
        var raw = [UInt8](repeating: 0, count: (rowBytes + 1) * height)
        raw.withUnsafeMutableBufferPointer { dst in
            pixels.withUnsafeBufferPointer { src in
                for y in 0..<height {
                    let out = dst.baseAddress! + y * (rowBytes + 1), row = src.baseAddress! + y * rowBytes
                    out[0] = 2
                    if y == 0 {
                        (out + 1).update(from: row, count: rowBytes)
                    } else {
                        let prior = row - rowBytes
                        for x in 0..<rowBytes { out[1 + x] = row[x] &- prior[x] }
                    }
                }
            }
        }
        var destLen = compressBound(uLong(raw.count))
        var compressed = [UInt8](repeating: 0, count: Int(destLen))
        let status = compress2(&compressed, &destLen, raw, uLong(raw.count), 1)
        // Level 1: on a 2560×768 preview montage (6.1 MB raw, unfiltered) level 6 took 762 ms for
        // 2.04 MB and level 1 130 ms for 2.41 MB (Python zlib, same bytes): 6× less CPU.
        guard status == Z_OK else { throw ImagingError(.io, "zlib compress2 failed with status \(status)") }
        compressed.removeSubrange(Int(destLen)...)

        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var ihdr: [UInt8] = []
        appendBE(&ihdr, UInt32(width)); appendBE(&ihdr, UInt32(height))
        ihdr += [8, channels == 1 ? 0 : 2, 0, 0, 0]
        chunk(&out, "IHDR", ihdr)
        chunk(&out, "IDAT", compressed)
        chunk(&out, "IEND", [])
        return out
    }

    private static func appendBE(_ out: inout [UInt8], _ v: UInt32) {
        out += [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)]
    }

    private static func chunk(_ out: inout [UInt8], _ type: String, _ data: [UInt8]) {
        appendBE(&out, UInt32(data.count))
        let typeBytes = Array(type.utf8)
        let body = typeBytes + data
        out += body
        let crc = body.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
        appendBE(&out, UInt32(crc))
    }
}
