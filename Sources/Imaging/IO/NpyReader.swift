/// Reader for NumPy `.npy` files (format versions 1.0, 2.0 and 3.0). See `VolumeReader` for
/// the supported dtypes and the errors.
public enum NpyReader {
    /// Reads the `.npy` file at `path` (same as `VolumeReader.read` for a `.npy` path).
    public static func read(path: String, options: VolumeReadOptions = .init()) throws -> VolumeReadResult {
        try read(from: FileSource(path: path), options: options.validated())
    }

    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    static func read(from source: ByteSource, options: VolumeReadOptions) throws -> VolumeReadResult {
        let file = source.name
        let header = try readHeader(source)
        var notes: [String] = []

        let shape: [Int]
        switch header.shape.count {
        case 3: shape = header.shape
        case 2:
            shape = [1] + header.shape
            notes.append("2-D array: read as one slice")
        default:
            throw ImagingError(.shape, "npy array has rank \(header.shape.count), expected 3 (slices, height, width) or 2", file: file)
        }
        let dimsText = header.shape.map(String.init).joined(separator: "×")
        guard !shape.contains(0) else { throw ImagingError(.shape, "npy shape \(dimsText) has a zero-length axis", file: file) }
        guard let count = checkedProduct(shape), let byteCount = checkedProduct([count, header.type.size]) else {
            throw ImagingError(.tooLarge, "npy shape \(dimsText) overflows", file: file)
        }
        try checkBudget(count: count, type: header.type, budget: options.memoryBudgetBytes, dims: dimsText, file: file)

        let raw = try source.read(exactly: byteCount, what: "npy data for shape \(dimsText) \(header.descr)")
        if try source.hasMoreBytes() {
            throw ImagingError(.shape, "npy file has bytes after the \(byteCount) that shape \(dimsText) \(header.descr) needs", file: file)
        }

        let (s, h, w) = (shape[0], shape[1], shape[2])
        // Element (a, b, c) of the array: C order at (a*h + b)*w + c, Fortran order at a + s*(b + h*c).
        let strides = header.fortranOrder ? (1, s, s * h) : (h * w, w, 1)
        if header.fortranOrder { notes.append("Fortran order: transposed to C order") }
        if header.type.size > 1, header.bigEndian != hostIsBigEndian { notes.append("\(header.bigEndian ? "big" : "little")-endian samples") }
        let data = try SampleGather(type: header.type, bigEndian: header.bigEndian, dims: (s, h, w), strides: strides, scaling: nil)
            .run(raw: raw, file: file)
        let volume = try Volume(slices: s, height: h, width: w, data: data)
        return VolumeReadResult(volume: volume, sourceDType: header.type.name, format: .npy, notes: notes)
    }

    /// Reads magic, version, header length and the header dict.
    /// - Throws: `.truncated` when the file ends inside the preamble or header, `.format` for a
    ///   wrong magic, unknown version, implausible header length or a malformed dict.
    static func readHeader(_ source: ByteSource) throws -> NpyHeader {
        let file = source.name
        let prefix = try source.read(upTo: 8)
        let seen = min(prefix.count, magic.count)
        guard Array(prefix[0..<seen]) == Array(magic[0..<seen]) else {
            throw ImagingError(.format, "not a .npy file (bad magic)", file: file)
        }
        guard prefix.count == 8 else {
            throw ImagingError(.truncated, "npy preamble: expected 8 bytes, file has only \(prefix.count)", file: file)
        }
        let (major, minor) = (prefix[6], prefix[7])
        guard [1, 2, 3].contains(major), minor == 0 else {
            throw ImagingError(.format, "unsupported npy format version \(major).\(minor)", file: file)
        }
        let lengthBytes = try source.read(exactly: major == 1 ? 2 : 4, what: "npy header length")
        let headerLength = lengthBytes.reversed().reduce(0) { $0 << 8 | Int($1) }
        guard headerLength <= 1 << 20 else {
            throw ImagingError(.format, "npy header length \(headerLength) is implausible", file: file)
        }
        let text = try source.read(exactly: headerLength, what: "npy header")
        return try NpyHeader.parse(text, file: file)
    }
}
