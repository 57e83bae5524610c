import CZlib
import Foundation
import XCTest
@testable import Imaging

/// Shared helpers of the IO tests: fixture paths, temporary files, byte builders for npy and
/// NIfTI, gzip compression through zlib, and an assertion on typed errors.
enum IOFixtures {
    /// Absolute path of a file under Fixtures/io/.
    static func path(_ relative: String) throws -> String {
        let root = try XCTUnwrap(Bundle.module.path(forResource: "Fixtures", ofType: nil), "Fixtures resource missing")
        return root + "/io/" + relative
    }

    static func bytes(_ relative: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(relative))))
    }
}

/// A temporary directory removed at deinit.
final class IOTempDir {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "/kneeflow-io-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `bytes` to `name` inside the directory and returns the full path.
    func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let p = path + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }
}

/// Asserts that `body` throws an `ImagingError` with `code` whose `file` is `name`.
func assertImagingError<T>(_ code: ImagingError.Code, file name: String?, _ context: String = "",
                           _ body: () throws -> T, file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try body()
        XCTFail("expected ImagingError(.\(code)) but the call succeeded. \(context)", file: file, line: line)
    } catch let error as ImagingError {
        XCTAssertEqual(error.code, code, "\(error). \(context)", file: file, line: line)
        XCTAssertEqual(error.file, name, "error should name the file: \(error). \(context)", file: file, line: line)
    } catch {
        XCTFail("expected ImagingError(.\(code)), got \(error). \(context)", file: file, line: line)
    }
}

/// Builds an npy file from parts, so malformed headers can be made on purpose.
func npyBytes(dict: String, version: UInt8 = 1, data: [UInt8]) -> [UInt8] {
    var header = Array(dict.utf8)
    let pre = version == 1 ? 10 : 12
    header += [UInt8](repeating: 0x20, count: (64 - (pre + header.count + 1) % 64) % 64) + [0x0A]
    var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
    let n = header.count
    out += version == 1 ? [UInt8(n & 0xff), UInt8(n >> 8)] : [UInt8(n & 0xff), UInt8((n >> 8) & 0xff), UInt8((n >> 16) & 0xff), UInt8(n >> 24)]
    return out + header + data
}

/// The dict text of a well-formed npy header.
func npyDict(descr: String, fortran: Bool = false, shape: [Int]) -> String {
    let s = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    return "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(s), }"
}

/// Little- or big-endian bytes of fixed-width integers.
func bytesOf<T: FixedWidthInteger>(_ values: [T], bigEndian: Bool = false) -> [UInt8] {
    var out: [UInt8] = []
    for v in values {
        let e = bigEndian ? v.bigEndian : v.littleEndian
        withUnsafeBytes(of: e) { out += $0 }
    }
    return out
}

/// A NIfTI-1 single file built field by field (dims are dim[0…]: rank then sizes).
func niftiBytes(dim: [Int16], datatype: Int16, bitpix: Int16, bigEndian: Bool = false, voxOffset: Float = 352,
                slope: Float = 0, inter: Float = 0, data: [UInt8]) -> [UInt8] {
    var h = [UInt8](repeating: 0, count: 348)
    func put(_ bytes: [UInt8], at: Int) { h.replaceSubrange(at..<(at + bytes.count), with: bytes) }
    put(bytesOf([Int32(348)], bigEndian: bigEndian), at: 0)
    put(bytesOf(dim + [Int16](repeating: 1, count: 8 - dim.count), bigEndian: bigEndian), at: 40)
    put(bytesOf([datatype, bitpix], bigEndian: bigEndian), at: 70)
    put(bytesOf([voxOffset.bitPattern, slope.bitPattern, inter.bitPattern], bigEndian: bigEndian), at: 108)
    put(Array("n+1".utf8) + [0], at: 344)
    let gap = max(0, Int(voxOffset) - 348)
    return h + [UInt8](repeating: 0, count: gap) + data
}

/// gzip-compresses `bytes` with zlib (deflateInit2 with windowBits 16 + MAX_WBITS).
func gzipBytes(_ bytes: [UInt8]) throws -> [UInt8] {
    var stream = z_stream()
    guard deflateInit2_(&stream, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY,
                        zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
        throw ImagingError(.io, "deflateInit2 failed")
    }
    defer { deflateEnd(&stream) }
    var input = bytes
    var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 64)
    let status = input.withUnsafeMutableBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            stream.next_in = src.baseAddress
            stream.avail_in = uInt(src.count)
            stream.next_out = dst.baseAddress
            stream.avail_out = uInt(dst.count)
            return deflate(&stream, Z_FINISH)
        }
    }
    guard status == Z_STREAM_END else { throw ImagingError(.io, "deflate failed: \(status)") }
    return Array(out[0..<Int(stream.total_out)])
}
