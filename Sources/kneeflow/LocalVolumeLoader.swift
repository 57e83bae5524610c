import Foundation
import Imaging

/// Minimal `.npy` loader (uint8 / little-endian float32, C order, 3-D) used by `preprocess` and
/// `bench chain` until `VolumeReader` (imaging-io branch) is merged; then replace
/// `LocalVolumeLoader.load(path:)` with `VolumeReader.read(path:).volume` and delete this file.
enum LocalVolumeLoader {
    static func load(path: String) throws -> Volume {
        guard let data = FileManager.default.contents(atPath: path) else { throw ImagingError(.io, "cannot read file", file: path) }
        let bytes = [UInt8](data)
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
            throw ImagingError(.format, "not an .npy file", file: path)
        }
        let major = bytes[6]
        let headerLen: Int, start: Int
        if major == 1 { headerLen = Int(bytes[8]) | Int(bytes[9]) << 8; start = 10 }
        else {
            guard bytes.count >= 12 else { throw ImagingError(.truncated, "header cut short", file: path) }
            headerLen = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24; start = 12
        }
        guard bytes.count >= start + headerLen else { throw ImagingError(.truncated, "header cut short", file: path) }
        let header = String(decoding: bytes[start..<(start + headerLen)], as: UTF8.self)
        guard !header.contains("'fortran_order': True") else { throw ImagingError(.format, "Fortran order not supported by the local loader", file: path) }
        guard let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")") else {
            throw ImagingError(.format, "no shape in header", file: path)
        }
        let dims = header[open.upperBound..<close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard dims.count == 3 else { throw ImagingError(.shape, "expected a 3-D array, got \(dims)", file: path) }
        let count = dims[0] * dims[1] * dims[2]
        let body = start + headerLen
        var samples = [Float](repeating: 0, count: count)
        if header.contains("'|u1'") {
            guard bytes.count - body >= count else { throw ImagingError(.truncated, "data cut short", file: path) }
            for i in 0..<count { samples[i] = Float(bytes[body + i]) }
        } else if header.contains("'<f4'") {
            guard bytes.count - body >= 4 * count else { throw ImagingError(.truncated, "data cut short", file: path) }
            for i in 0..<count {
                let o = body + 4 * i
                let u = UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24
                samples[i] = Float(bitPattern: u)
            }
        } else {
            throw ImagingError(.dtype, "local loader reads uint8 and <f4 only", file: path)
        }
        return try Volume(slices: dims[0], height: dims[1], width: dims[2], data: samples)
    }
}
