import CDicom

/// One parsed DICOM file (through DCMTK, `CDicom`): its attributes, per-frame geometry and
/// decoded samples. The bytes are parsed from memory, so the bytes a worker hashed are the
/// bytes it decodes.
final class DICOMFile {
    let name: String
    let info: kfd_info
    private let handle: OpaquePointer

    /// The file's frames' geometry, in frame order.
    private(set) var frames: [kfd_frame] = []

    /// Parses `bytes`.
    /// - Throws: `ImagingError` naming the file: `.format` (not DICOM, required attribute
    ///   missing), `.truncated` (ends inside an element), `.unsupported`; a file without pixel
    ///   data throws `.format` with `DICOMFile.noPixelsPrefix` (callers may skip it).
    init(bytes: [UInt8], name: String) throws {
        self.name = name
        var code: Int32 = 0
        var err = [CChar](repeating: 0, count: 512)
        let opened = bytes.withUnsafeBytes { kfd_open($0.baseAddress, $0.count, &code, &err, err.count) }
        guard let opened else {
            // Without the Part 10 marker an early end means "not DICOM" rather than "cut short".
            if code == Int32(KFD_TRUNCATED), !DICOMInput.hasMarker(bytes) {
                throw ImagingError(.format, "not a DICOM file (no DICM marker, and it does not parse as a data set)", file: name)
            }
            throw Self.error(code, err, name)
        }
        handle = opened
        var info = kfd_info()
        let status = kfd_get_info(handle, &info, &err, err.count)
        guard status == Int32(KFD_OK) else { kfd_close(handle); throw Self.error(status, err, name) }
        self.info = info
        frames = (0..<Int(info.frames)).map { k in
            var f = kfd_frame()
            _ = kfd_get_frame(handle, Int32(k), &f)
            return f
        }
    }

    deinit { kfd_close(handle) }

    /// The start of the message for a file that holds no image (a DICOMDIR, a report).
    static let noPixelsPrefix = "no pixel data"

    /// Every frame's stored values (sign and BitsStored applied, no rescale), frame-major.
    /// - Throws: `ImagingError(.unsupported)` for a transfer syntax or pixel format DCMTK
    ///   cannot decode, `.truncated` when the pixel data is shorter than the image needs.
    func decode() throws -> [Float] {
        let count = Int(info.rows) * Int(info.columns) * Int(info.frames)
        var err = [CChar](repeating: 0, count: 512)
        var status: Int32 = 0
        let out = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            status = kfd_decode(handle, buffer.baseAddress, count, &err, err.count)
            initialized = status == Int32(KFD_OK) ? count : 0
        }
        guard status == Int32(KFD_OK) else { throw Self.error(status, err, name) }
        return out
    }

    /// NumPy's name for the stored sample type.
    var dtype: String {
        let signed = info.pixel_representation == 1
        return info.bits_allocated == 8 ? (signed ? "int8" : "uint8") : (signed ? "int16" : "uint16")
    }

    /// `info`'s fixed-size C strings as Swift strings.
    var seriesUID: String { Self.string(info.series_uid) }
    var seriesDescription: String { Self.string(info.series_description) }
    var transferSyntax: String { Self.string(info.transfer_syntax_name) }

    static func string<T>(_ tuple: T) -> String {
        withUnsafeBytes(of: tuple) { raw in
            var bytes = raw.prefix { $0 != 0 }[...]
            while bytes.last == 0x20 { bytes.removeLast() }
            while bytes.first == 0x20 { bytes.removeFirst() }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// DCMTK's version ("3.6.7").
    static var libraryVersion: String { String(cString: kfd_library_version()) }

    private static func error(_ code: Int32, _ err: [CChar], _ name: String) -> ImagingError {
        let message = err.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        switch code {
        case Int32(KFD_TRUNCATED): return ImagingError(.truncated, message, file: name)
        case Int32(KFD_UNSUPPORTED): return ImagingError(.unsupported, message, file: name)
        case Int32(KFD_NO_PIXELS): return ImagingError(.format, "\(noPixelsPrefix): \(message)", file: name)
        default: return ImagingError(.format, message, file: name)
        }
    }
}
