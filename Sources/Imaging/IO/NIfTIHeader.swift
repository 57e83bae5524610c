/// The fields of a NIfTI-1 (348-byte) or NIfTI-2 (540-byte) header the reader uses.
struct NIfTIHeader {
    var version: Int
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
    /// The voxel-to-patient (RAS+, mm) 3×3 part, column k = the direction and length of voxel
    /// axis k: from the sform when sform_code > 0, else from the qform when qform_code > 0, else nil.
    var axes: [[Double]]?
    /// "sform", "qform" or nil: where `axes` came from.
    var affineSource: String?

    /// Bytes of the fixed header: 348 (NIfTI-1) or 540 (NIfTI-2).
    var size: Int { version == 2 ? 540 : 348 }

    /// The header size and byte order from the first four bytes (sizeof_hdr).
    /// - Throws: `ImagingError(.format)` when sizeof_hdr is neither 348 nor 540 in either order.
    static func sizeAndOrder(_ first: [UInt8], file: String) throws -> (size: Int, bigEndian: Bool) {
        let le = UInt32(first[0]) | UInt32(first[1]) << 8 | UInt32(first[2]) << 16 | UInt32(first[3]) << 24
        switch (le, le.byteSwapped) {
        case (348, _): return (348, false)
        case (_, 348): return (348, true)
        case (540, _), (_, 540):
            // NIfTI-2 keeps its magic at offset 4: check it before reading the longer header.
            guard first.count >= 8, Array(first[4..<8]) == Array("n+2".utf8) + [0] || Array(first[4..<8]) == Array("ni2".utf8) + [0] else {
                throw ImagingError(.format, "sizeof_hdr is 540 but the NIfTI-2 magic \"n+2\" is missing", file: file)
            }
            return (540, le != 540)
        default: throw ImagingError(.format, "not a NIfTI file (sizeof_hdr is neither 348 nor 540)", file: file)
        }
    }

    /// Decodes and validates a header of `sizeAndOrder(_:)`'s size.
    /// - Throws: `ImagingError(.format)` for a wrong magic (a .hdr/.img pair named), bitpix
    ///   disagreeing with the datatype, or a bad vox_offset; `.dtype` for an unsupported
    ///   datatype; `.shape` for dim[0] outside 2…4 or a dimension below 1 or beyond 2^31.
    static func parse(_ h: [UInt8], file: String) throws -> NIfTIHeader {
        let (size, big) = try sizeAndOrder(h, file: file)
        precondition(h.count == size)
        let r = NIfTIFields(bytes: h, big: big)
        let two = size == 540
        // Offsets: NIfTI-1 / NIfTI-2.
        let magic = two ? Array(h[4..<8]) : Array(h[344..<348])
        let expected = Array((two ? "n+2" : "n+1").utf8) + [0]
        if magic == Array((two ? "ni2" : "ni1").utf8) + [0] {
            throw ImagingError(.format, "header of a .hdr/.img pair; only single-file .nii is supported", file: file)
        }
        guard magic == expected else {
            throw ImagingError(.format, "not a NIfTI-\(two ? 2 : 1) file (magic is not \"\(two ? "n+2" : "n+1")\")", file: file)
        }
        func dim(_ k: Int) -> Int { two ? r.i64(16 + 8 * k) : r.i16(40 + 2 * k) }
        let rank = dim(0)
        guard (2...4).contains(rank) else {
            throw ImagingError(.shape, "dim[0] = \(rank): only 2-D, 3-D and 4-D images are supported", file: file)
        }
        var dims = [1, 1, 1, 1]
        for a in 0..<rank { dims[a] = dim(a + 1) }
        guard dims.allSatisfy({ $0 >= 1 && $0 <= Int(Int32.max) }) else {
            throw ImagingError(.shape, "dimensions \(dims[0..<rank].map(String.init).joined(separator: "×")) have a zero-length, negative or huge axis", file: file)
        }

        let code = two ? r.i16(12) : r.i16(70)
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
        let bitpix = two ? r.i16(14) : r.i16(72)
        guard bitpix == type.size * 8 else {
            throw ImagingError(.format, "bitpix \(bitpix) disagrees with datatype \(type.name)", file: file)
        }

        let vox = two ? Double(r.i64(168)) : r.f32(108)
        guard vox.isFinite, vox >= Double(size), vox < 1e9, vox == vox.rounded() else {
            throw ImagingError(.format, "vox_offset \(vox) is not a whole byte offset ≥ \(size)", file: file)
        }
        let slope = two ? r.f64(176) : r.f32(112), inter = two ? r.f64(184) : r.f32(116)
        let scaling: (Double, Double)? = slope != 0 && slope.isFinite ? (slope, inter.isFinite ? inter : 0) : nil

        // Orientation: sform first (the NIfTI standard's preferred transform), else qform.
        let qformCode = two ? r.i32(344) : r.i16(252), sformCode = two ? r.i32(348) : r.i16(254)
        func pixdim(_ k: Int) -> Double { two ? r.f64(104 + 8 * k) : r.f32(76 + 4 * k) }
        var axes: [[Double]]? = nil, source: String? = nil
        if sformCode > 0 {
            let rows = (0..<3).map { row in (0..<3).map { col in two ? r.f64(400 + 32 * row + 8 * col) : r.f32(280 + 16 * row + 4 * col) } }
            axes = (0..<3).map { col in (0..<3).map { rows[$0][col] } }
            source = "sform"
        } else if qformCode > 0 {
            let b = two ? r.f64(352) : r.f32(256), c = two ? r.f64(360) : r.f32(260), d = two ? r.f64(368) : r.f32(264)
            let a = (max(0, 1 - (b * b + c * c + d * d))).squareRoot()
            let rot = [[a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
                       [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
                       [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b]]
            let qfac: Double = pixdim(0) < 0 ? -1 : 1
            let scale = [pixdim(1), pixdim(2), pixdim(3) * qfac]
            axes = (0..<3).map { col in (0..<3).map { rot[$0][col] * scale[col] } }
            source = "qform"
        }
        if let a = axes, !a.joined().allSatisfy(\.isFinite) || a.contains(where: { $0.allSatisfy { $0 == 0 } }) {
            axes = nil; source = nil   // a degenerate transform orients nothing (noted by the reader)
        }
        return NIfTIHeader(version: two ? 2 : 1, bigEndian: big, rank: rank, dims: dims, datatypeCode: code, type: type,
                           voxOffset: Int(vox), scaling: scaling, axes: axes, affineSource: source)
    }
}

/// Typed little- or big-endian loads from a header's bytes.
private struct NIfTIFields {
    let bytes: [UInt8]
    let big: Bool

    private func load<T: FixedWidthInteger>(_ at: Int, _: T.Type) -> T {
        let v = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: T.self) }
        return big ? T(bigEndian: v) : T(littleEndian: v)
    }
    func i16(_ at: Int) -> Int { Int(Int16(bitPattern: load(at, UInt16.self))) }
    func i32(_ at: Int) -> Int { Int(Int32(bitPattern: load(at, UInt32.self))) }
    func i64(_ at: Int) -> Int { Int(Int64(bitPattern: load(at, UInt64.self))) }
    func f32(_ at: Int) -> Double { Double(Float(bitPattern: load(at, UInt32.self))) }
    func f64(_ at: Int) -> Double { Double(bitPattern: load(at, UInt64.self)) }
}
