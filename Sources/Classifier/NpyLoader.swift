import Foundation
import Imaging

/// A small reader for NumPy `.npy` files holding float32 (`<f4`) or uint8 (`|u1`) arrays of
/// rank 2 or 3 in C order, as `kneeflow preprocess` writes them. (Kept private to the classifier
/// until `Imaging.VolumeReader` is merged; then `TrainingSet` should call that instead.)
enum NpyLoader {
    /// Reads a volume; rank-2 arrays become one slice.
    /// - Throws: `ClassifierError` `.io`, `.header` (bad magic / header), `.dtype`, `.shape`,
    ///   `.truncated`, `.value` (non-finite samples).
    static func read(path: String) throws -> Volume {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ClassifierError(.io, "cannot read file", file: path)
        }
        return try decode([UInt8](data), file: path)
    }

    static func decode(_ b: [UInt8], file: String?) throws -> Volume {
        guard b.count >= 10, b[0] == 0x93, Array(b[1..<6]) == Array("NUMPY".utf8) else {
            throw ClassifierError(.header, "not an .npy file (bad magic)", file: file)
        }
        let major = b[6]
        let headerLen: Int, start: Int
        switch major {
        case 1: headerLen = Int(b[8]) | Int(b[9]) << 8; start = 10
        case 2, 3:
            guard b.count >= 12 else { throw ClassifierError(.truncated, "npy header cut short", file: file) }
            headerLen = Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24; start = 12
        default: throw ClassifierError(.header, "npy format version \(major) not supported", file: file)
        }
        guard start + headerLen <= b.count else { throw ClassifierError(.truncated, "npy header cut short", file: file) }
        let header = String(decoding: b[start..<(start + headerLen)], as: UTF8.self)
        func field(_ key: String) -> String? {
            guard let r = header.range(of: "'\(key)':") else { return nil }
            return String(header[r.upperBound...]).trimmingCharacters(in: .whitespaces)
        }
        guard let descrText = field("descr"), let q1 = descrText.firstIndex(of: "'"),
              let q2 = descrText[descrText.index(after: q1)...].firstIndex(of: "'") else {
            throw ClassifierError(.header, "npy header lacks descr", file: file)
        }
        let descr = String(descrText[descrText.index(after: q1)..<q2])
        guard let fortran = field("fortran_order") else { throw ClassifierError(.header, "npy header lacks fortran_order", file: file) }
        guard fortran.hasPrefix("False") else { throw ClassifierError(.shape, "Fortran-order arrays are not supported", file: file) }
        guard let shapeText = field("shape"), let open = shapeText.firstIndex(of: "("),
              let close = shapeText.firstIndex(of: ")") else {
            throw ClassifierError(.header, "npy header lacks shape", file: file)
        }
        let dims = shapeText[shapeText.index(after: open)..<close].split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let shape = try dims.map { d -> Int in
            guard let v = Int(d), v > 0, v <= 1 << 20 else { throw ClassifierError(.shape, "bad npy dimension \(d)", file: file) }
            return v
        }
        guard shape.count == 2 || shape.count == 3 else {
            throw ClassifierError(.shape, "expected a 2-D or 3-D array, got shape \(shape)", file: file)
        }
        let (s, h, w) = shape.count == 3 ? (shape[0], shape[1], shape[2]) : (1, shape[0], shape[1])
        let count = s * h * w
        let body = start + headerLen
        var values = [Float](repeating: 0, count: count)
        switch descr {
        case "<f4", "=f4":
            guard b.count - body >= 4 * count else { throw ClassifierError(.truncated, "npy data has \(b.count - body) bytes, needs \(4 * count)", file: file) }
            b.withUnsafeBytes { raw in
                for i in 0..<count {
                    values[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: body + 4 * i, as: UInt32.self)))
                }
            }
            guard values.allSatisfy(\.isFinite) else { throw ClassifierError(.value, "npy data has NaN or infinite samples", file: file) }
        case "|u1", "<u1":
            guard b.count - body >= count else { throw ClassifierError(.truncated, "npy data has \(b.count - body) bytes, needs \(count)", file: file) }
            for i in 0..<count { values[i] = Float(b[body + i]) }
        default:
            throw ClassifierError(.dtype, "npy dtype \(descr) not supported (float32 or uint8)", file: file)
        }
        do { return try Volume(slices: s, height: h, width: w, data: values) } catch {
            throw ClassifierError(.shape, "\(error)", file: file)
        }
    }
}
