import Foundation
import Common

/// Writer for NumPy `.npy` files (format version 1.0, little-endian, C order), so every artifact
/// loads with `numpy.load`.
public enum NpyWriter {
    /// Encodes uint8 samples of the given shape (`'|u1'`). The shape must match the sample count
    /// (a programmer error otherwise; the throwing `write` functions check it first).
    public static func encode(uint8 values: [UInt8], shape: [Int]) -> [UInt8] {
        precondition(shape.reduce(1, *) == values.count, "shape does not match sample count")
        var out = header(descr: "|u1", shape: shape)
        out.append(contentsOf: values)
        return out
    }

    /// Encodes float32 samples of the given shape (`'<f4'`). The shape must match the sample count
    /// (a programmer error otherwise; the throwing `write` functions check it first).
    public static func encode(float32 values: [Float], shape: [Int]) -> [UInt8] {
        precondition(shape.reduce(1, *) == values.count, "shape does not match sample count")
        var out = header(descr: "<f4", shape: shape)
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: values.count * 4))
        out.withUnsafeMutableBytes { dst in
            values.withUnsafeBufferPointer { src in
                let d = dst.baseAddress! + start
                for (i, v) in src.enumerated() { d.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
            }
        }
        return out
    }

    /// Writes uint8 samples atomically to `path`.
    /// - Throws: `ImagingError(.shape)` when `shape` has a negative entry or does not match
    ///   `values.count`; `.io` when the file cannot be written.
    public static func write(uint8 values: [UInt8], shape: [Int], to path: String) throws {
        try check(shape: shape, count: values.count, path: path)
        do { try AtomicFile.write(encode(uint8: values, shape: shape), to: path) }
        catch { throw ImagingError(.io, "\(error)", file: path) }
    }

    /// Writes float32 samples atomically to `path`.
    /// - Throws: `ImagingError(.shape)` when `shape` has a negative entry or does not match
    ///   `values.count`; `.io` when the file cannot be written.
    public static func write(float32 values: [Float], shape: [Int], to path: String) throws {
        try check(shape: shape, count: values.count, path: path)
        do { try AtomicFile.write(encode(float32: values, shape: shape), to: path) }
        catch { throw ImagingError(.io, "\(error)", file: path) }
    }

    /// Writes a volume as float32 (s, h, w).
    public static func write(_ volume: Volume, to path: String) throws {
        try write(float32: volume.data, shape: [volume.slices, volume.height, volume.width], to: path)
    }

    private static func check(shape: [Int], count: Int, path: String) throws {
        guard shape.allSatisfy({ $0 >= 0 }), checkedProduct(shape) == count else {
            throw ImagingError(.shape, "shape \(shape) does not match \(count) samples", file: path)
        }
    }

    /// Magic, version 1.0, header length, and a dict padded with spaces so data starts at a
    /// multiple of 64 bytes, ending in a newline (as NumPy writes it).
    static func header(descr: String, shape: [Int]) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + dict.utf8.count + 1
        dict += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let n = UInt16(dict.utf8.count)
        out.append(UInt8(n & 0xff)); out.append(UInt8(n >> 8))
        out.append(contentsOf: dict.utf8)
        return out
    }
}
