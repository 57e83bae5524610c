/// Encodes uint8 volumes as single-file NIfTI-1 (`.nii`, little-endian, uncompressed), so tools
/// that expect NIfTI (nibabel, ITK-SNAP, FSL) can open the cohort.
///
/// Axis convention: the image dimensions are (height, width, slices) and nibabel's
/// `get_fdata()[:, :, s]` equals slice `s` of the `.npy` file (rows = height, columns = width).
/// Voxel sizes: pixel size in-plane, slice spacing through-plane (mm, xyzt_units = 2), with an
/// sform (code 1, scanner-anatomical) saying what the slices are: sagittal. The third axis
/// (slices) runs along the patient's left–right axis (RAS x), the first (rows, top to bottom)
/// from superior to inferior (−z), the second (columns) from anterior to posterior (−y), so a
/// reader that picks the sagittal axis from the affine (KneeFlow's, by default) reads slice `s`.
public enum NiftiEncoder {
    /// The bytes of a `.nii` file holding `values` (C order (slices, height, width)).
    /// Returns nil when the sample count does not match the shape.
    public static func encode(uint8 values: [UInt8], slices: Int, height: Int, width: Int,
                              pixelMM: Float, sliceMM: Float) -> [UInt8]? {
        guard slices > 0, height > 0, width > 0, values.count == slices * height * width,
              height <= Int(Int16.max), width <= Int(Int16.max), slices <= Int(Int16.max) else { return nil }
        var h = [UInt8](repeating: 0, count: 352)
        func i32(_ v: Int32, _ at: Int) { withUnsafeBytes(of: v.littleEndian) { for k in 0..<4 { h[at + k] = $0[k] } } }
        func i16(_ v: Int16, _ at: Int) { withUnsafeBytes(of: v.littleEndian) { for k in 0..<2 { h[at + k] = $0[k] } } }
        func f32(_ v: Float, _ at: Int) { i32(Int32(bitPattern: v.bitPattern), at) }
        i32(348, 0)                                         // sizeof_hdr
        h[38] = UInt8(ascii: "r")                           // regular
        for (k, d) in [3, height, width, slices, 1, 1, 1, 1].enumerated() { i16(Int16(d), 40 + 2 * k) }
        i16(2, 70)                                          // datatype: DT_UINT8
        i16(8, 72)                                          // bitpix
        for (k, p) in [Float(1), pixelMM, pixelMM, sliceMM, 0, 0, 0, 0].enumerated() { f32(p, 76 + 4 * k) }
        f32(352, 108)                                       // vox_offset
        f32(1, 112)                                         // scl_slope
        h[123] = 2                                          // xyzt_units: mm
        f32(255, 124)                                       // cal_max (display window)
        for (k, b) in Array("KneeFlow synthetic knee".utf8).enumerated() { h[148 + k] = b }
        i16(1, 254)                                         // sform_code: scanner anatomical
        f32(sliceMM, 280 + 8)                               // srow_x: x = slice × sliceMM
        f32(-pixelMM, 296 + 4)                              // srow_y: y = −column × pixelMM
        f32(-pixelMM, 312)                                  // srow_z: z = −row × pixelMM
        h[344] = UInt8(ascii: "n"); h[345] = UInt8(ascii: "+"); h[346] = UInt8(ascii: "1")
        // 348…351: no extensions.
        var out = h
        out.reserveCapacity(352 + values.count)
        let plane = height * width
        var transposed = [UInt8](repeating: 0, count: plane)
        for s in 0..<slices {
            // NIfTI's first axis is fastest: element (y, x) of slice s goes to y + x·height.
            for y in 0..<height { for x in 0..<width { transposed[x * height + y] = values[s * plane + y * width + x] } }
            out.append(contentsOf: transposed)
        }
        return out
    }
}
