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
        var bad: (index: Int, value: Double)? = nil
        let out = [Float](unsafeUninitializedCapacity: count) { dst, initialized in
            raw.withUnsafeBytes { src in
                let base = src.baseAddress!
                var o = 0
                outer: for a in 0..<d0 {
                    for b in 0..<d1 {
                        var e = a * s0 + b * s1
                        for _ in 0..<d2 {
                            var v = load(base + e * size)
                            if let scaling { v = v * scaling.slope + scaling.inter }
                            let f = Float(v)
                            if !f.isFinite { bad = (o, v); dst[o] = 0; o += 1; break outer }
                            dst[o] = f
                            o += 1
                            e += s2
                        }
                    }
                }
                for i in o..<count { dst[i] = 0 }
            }
            initialized = count
        }
        if let bad {
            let s = bad.index / (d1 * d2), y = (bad.index / d2) % d1, x = bad.index % d2
            if !bad.value.isFinite {
                throw ImagingError(.nonFinite, "\(bad.value) sample at (slice \(s), row \(y), column \(x))", file: file)
            }
            throw ImagingError(.value, "sample \(bad.value) at (slice \(s), row \(y), column \(x)) exceeds the float32 range", file: file)
        }
        return out
    }
}
