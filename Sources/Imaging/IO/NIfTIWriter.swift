import Common

/// Writes a volume as a float32 NIfTI-1 single file (`.nii`, or gzip-compressed when the name
/// ends in `.gz`), for `kneeflow convert`.
///
/// Axis convention (the phantom cohort's): image dims are (height, width, slices), so nibabel's
/// `get_fdata()[:, :, s]` is slice `s`. With a geometry the sform (code 2, aligned anatomical)
/// maps the third axis onto the plane's normal patient axis and rows and columns onto the other
/// two in increasing order, scaled by the spacing: plane-aligned, without origin or obliquity,
/// so that reading it back with the same plane gives the same volume.
public enum NIfTIWriter {
    /// The bytes of the file (uncompressed).
    public static func encode(_ volume: Volume, geometry: VolumeGeometry?) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 352)
        func put<T: FixedWidthInteger>(_ v: T, _ at: Int) { withUnsafeBytes(of: v.littleEndian) { for k in 0..<MemoryLayout<T>.size { h[at + k] = $0[k] } } }
        func f32(_ v: Double, _ at: Int) { put(Float(v).bitPattern, at) }
        put(Int32(348), 0)
        for (k, d) in [3, volume.height, volume.width, volume.slices, 1, 1, 1, 1].enumerated() { put(Int16(d), 40 + 2 * k) }
        put(Int16(16), 70)   // DT_FLOAT32
        put(Int16(32), 72)   // bitpix
        let spacing: [Double] = geometry.map { [$0.spacingMM.row, $0.spacingMM.column, $0.spacingMM.slice] } ?? [1, 1, 1]
        for (k, p) in ([1.0] + spacing).enumerated() { f32(p, 76 + 4 * k) }
        f32(352, 108)        // vox_offset
        f32(1, 112)          // scl_slope
        h[123] = 2           // xyzt_units: mm
        for (k, b) in Array("KneeFlow convert".utf8).enumerated() { h[148 + k] = b }
        if let geometry {
            put(Int16(2), 254)   // sform_code: aligned anatomical
            let normal = geometry.plane.normalAxis
            let inPlane = (0..<3).filter { $0 != normal }
            // Storage axis → patient axis: 0 → inPlane[0], 1 → inPlane[1], 2 → normal.
            let target = [inPlane[0], inPlane[1], normal]
            for axis in 0..<3 { f32(spacing[axis], 280 + 16 * target[axis] + 4 * axis) }
        }
        h[344] = UInt8(ascii: "n"); h[345] = UInt8(ascii: "+"); h[346] = UInt8(ascii: "1")
        var out = h
        out.reserveCapacity(352 + 4 * volume.data.count)
        let (height, width) = (volume.height, volume.width)
        var plane = [UInt32](repeating: 0, count: height * width)
        for s in 0..<volume.slices {
            // NIfTI's first axis is fastest: element (y, x) of slice s goes to y + x·height.
            for y in 0..<height { for x in 0..<width { plane[x * height + y] = volume[s, y, x].bitPattern.littleEndian } }
            plane.withUnsafeBytes { out.append(contentsOf: $0) }
        }
        return out
    }

    /// Writes `volume` to `path` atomically (gzip when the name ends in `.gz`).
    /// - Throws: `ImagingError(.io)` when compression or the write fails.
    public static func write(_ volume: Volume, geometry: VolumeGeometry?, to path: String) throws {
        var bytes = encode(volume, geometry: geometry)
        if path.lowercased().hasSuffix(".gz") { bytes = try GzipWriter.compress(bytes, name: path) }
        do { try AtomicFile.write(bytes, to: path) } catch { throw ImagingError(.io, "\(error)", file: path) }
    }

}
