/// The fields of a NIfTI-1 header (348 bytes) the reader uses.
struct NIfTIHeader {
    var bigEndian: Bool
    /// dim[0]: the number of dimensions (2, 3 or 4 accepted).
    var rank: Int
    /// dim[1...4]; axes beyond `rank` are 1.
    var dims: [Int]
    var datatypeCode: Int
    var type: SampleType
    var voxOffset: Int
    /// (slope, inter) when scl_slope is nonzero and finite (a non-finite inter counts as 0).
    var scaling: (slope: Double, inter: Double)?

    static let size = 348

    /// Decodes and validates a header.
    /// - Throws: `ImagingError(.format)` for a wrong sizeof_hdr (NIfTI-2 named), a wrong magic
    ///   (a .hdr/.img pair named), bitpix disagreeing with the datatype, or a bad vox_offset;
    ///   `.dtype` for an unsupported datatype; `.shape` for dim[0] outside 2…4 or a dimension
    ///   below 1.
    static func parse(_ h: [UInt8], file: String) throws -> NIfTIHeader {
        precondition(h.count == size)
        func u32(_ at: Int, _ big: Bool) -> UInt32 {
            let v = h.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt32.self) }
            return big ? UInt32(bigEndian: v) : UInt32(littleEndian: v)
        }
        let big: Bool
        switch (u32(0, false), u32(0, true)) {
        case (348, _): big = false
        case (_, 348): big = true
        case (540, _), (_, 540): throw ImagingError(.format, "NIfTI-2 files are not supported", file: file)
        default: throw ImagingError(.format, "not a NIfTI-1 file (sizeof_hdr is not 348)", file: file)
        }
        func i16(_ at: Int) -> Int {
            let v = h.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt16.self) }
            return Int(Int16(bitPattern: big ? UInt16(bigEndian: v) : UInt16(littleEndian: v)))
        }
        func f32(_ at: Int) -> Float { Float(bitPattern: u32(at, big)) }

        let magic = Array(h[344..<348])
        if magic == Array("ni1".utf8) + [0] {
            throw ImagingError(.format, "header of a .hdr/.img pair; only single-file .nii is supported", file: file)
        }
        guard magic == Array("n+1".utf8) + [0] else {
            throw ImagingError(.format, "not a NIfTI-1 file (magic is not \"n+1\")", file: file)
        }

        let rank = i16(40)
        guard (2...4).contains(rank) else {
            throw ImagingError(.shape, "dim[0] = \(rank): only 2-D, 3-D and 4-D images are supported", file: file)
        }
        var dims = [1, 1, 1, 1]
        for a in 0..<rank { dims[a] = i16(42 + 2 * a) }
        guard dims.allSatisfy({ $0 >= 1 }) else {
            throw ImagingError(.shape, "dimensions \(dims[0..<rank].map(String.init).joined(separator: "×")) have a zero-length or negative axis", file: file)
        }

        let code = i16(70)
        let type: SampleType? = switch code {
        case 2: .uint8
        case 4: .int16
        case 8: .int32
        case 16: .float32
        case 64: .float64
        case 256: .int8
        case 512: .uint16
        case 768: .uint32
        case 1024: .int64
        default: nil
        }
        guard let type else {
            throw ImagingError(.dtype, "unsupported NIfTI datatype code \(code)", file: file)
        }
        let bitpix = i16(72)
        guard bitpix == type.size * 8 else {
            throw ImagingError(.format, "bitpix \(bitpix) disagrees with datatype \(type.name)", file: file)
        }

        let vox = f32(108)
        guard vox.isFinite, vox >= Float(size), vox < 1e9, vox == vox.rounded() else {
            throw ImagingError(.format, "vox_offset \(vox) is not a whole byte offset ≥ 348", file: file)
        }
        let slope = f32(112), inter = f32(116)
        let scaling: (Double, Double)? = slope != 0 && slope.isFinite
            ? (Double(slope), inter.isFinite ? Double(inter) : 0) : nil
        return NIfTIHeader(bigEndian: big, rank: rank, dims: dims, datatypeCode: code, type: type,
                           voxOffset: Int(vox), scaling: scaling)
    }
}
