/// Decodes raw samples into a C-order float32 array with an arbitrary axis permutation:
/// `out[(a * d1 + b) * d2 + c] = f(raw sample at element index a*st0 + b*st1 + c*st2)`
/// where `f(v) = v * slope + inter` when a scaling is given (computed in float64), else `v`.
/// This one loop serves C order, Fortran order and every NIfTI slice axis.
struct SampleGather {
    var type: SampleType
    var bigEndian: Bool
    /// Output dimensions (slices, height, width).
    var dims: (Int, Int, Int)
    /// Element strides into `raw` for each output axis.
    var strides: (Int, Int, Int)
    /// Linear scaling applied to every sample (NIfTI scl_slope / scl_inter), if any.
    var scaling: (slope: Double, inter: Double)?

    /// Runs the gather.
    /// - Precondition (internal): `raw.count >= (max element index + 1) * type.size`; callers check sizes first.
    /// - Throws: `ImagingError(.nonFinite)` at the first NaN/Inf source sample, `.value` when a
    ///   finite sample does not fit float32; both give the output position (s, y, x).
    func run(raw: [UInt8], file: String) throws -> [Float] {
        let swap = bigEndian != hostIsBigEndian
        switch type {
        case .uint8: return try gather(raw, UInt8.self, file) { p in Double(p.load(as: UInt8.self)) }
        case .int8: return try gather(raw, Int8.self, file) { p in Double(p.load(as: Int8.self)) }
        case .uint16: return try gather(raw, UInt16.self, file) { p in Double(Self.bits(p, UInt16.self, swap)) }
        case .int16: return try gather(raw, Int16.self, file) { p in Double(Int16(bitPattern: Self.bits(p, UInt16.self, swap))) }
        case .uint32: return try gather(raw, UInt32.self, file) { p in Double(Self.bits(p, UInt32.self, swap)) }
        case .int32: return try gather(raw, Int32.self, file) { p in Double(Int32(bitPattern: Self.bits(p, UInt32.self, swap))) }
        case .int64: return try gather(raw, Int64.self, file) { p in Double(Int64(bitPattern: Self.bits(p, UInt64.self, swap))) }
        case .float32: return try gather(raw, Float.self, file) { p in Double(Float(bitPattern: Self.bits(p, UInt32.self, swap))) }
        case .float64: return try gather(raw, Double.self, file) { p in Double(bitPattern: Self.bits(p, UInt64.self, swap)) }
        }
    }

    @inline(__always)
    private static func bits<T: FixedWidthInteger>(_ p: UnsafeRawPointer, _: T.Type, _ swap: Bool) -> T {
        let v = p.loadUnaligned(as: T.self)
        return swap ? v.byteSwapped : v
    }

    @inline(__always)
    private func gather<T>(_ raw: [UInt8], _: T.Type, _ file: String,
                           _ load: (UnsafeRawPointer) -> Double) throws -> [Float] {
        let (d0, d1, d2) = dims
        let (s0, s1, s2) = strides
        let size = MemoryLayout<T>.size
        let count = d0 * d1 * d2
        let (slope, inter) = scaling ?? (1, 0)
        let scaled = scaling != nil
        let out = [Float](unsafeUninitializedCapacity: count) { dst, initialized in
            raw.withUnsafeBytes { src in
                let base = src.baseAddress!
                // Rows of 32 output samples over 32×32 tiles of (b, c): when the source is
                // strided along c (Fortran order, NIfTI slices) a tile's source rows stay in cache.
                let tile = s2 == 1 ? d2 : 32
                let step = s2 * size
                for a in 0..<d0 {
                    for b0 in stride(from: 0, to: d1, by: tile) {
                        for c0 in stride(from: 0, to: d2, by: tile) {
                            let c1 = min(c0 + tile, d2)
                            for b in b0..<min(b0 + tile, d1) {
                                var p = base + (a * s0 + b * s1 + c0 * s2) * size
                                var o = (a * d1 + b) * d2 + c0
                                if scaled {
                                    for _ in c0..<c1 { dst[o] = Float(load(p) * slope + inter); o += 1; p += step }
                                } else {
                                    for _ in c0..<c1 { dst[o] = Float(load(p)); o += 1; p += step }
                                }
                            }
                        }
                    }
                }
            }
            initialized = count
        }
        // Integers without scaling are always finite; otherwise find the first bad sample.
        guard scaled || type.isFloatingPoint, let o = out.firstIndex(where: { !$0.isFinite }) else { return out }
        let a = o / (d1 * d2), b = (o / d2) % d1, c = o % d2
        var source = raw.withUnsafeBytes { load($0.baseAddress! + (a * s0 + b * s1 + c * s2) * size) }
        if scaled { source = source * slope + inter }
        if !source.isFinite {
            throw ImagingError(.nonFinite, "\(source) sample at (slice \(a), row \(b), column \(c))", file: file)
        }
        throw ImagingError(.value, "sample \(source) at (slice \(a), row \(b), column \(c)) exceeds the float32 range", file: file)
    }
}
