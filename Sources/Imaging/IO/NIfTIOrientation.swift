/// The slice axis of a NIfTI image: an explicit storage axis, else the axis whose direction in
/// the affine is closest to the requested plane's normal. Scanners and converters store knee
/// series in any axis order (dcm2niix keeps the acquisition's; SPM and FSL reslice), so the
/// third axis is only a guess; the affine says which axis crosses the patient's left–right axis.
enum NIfTIOrientation {
    /// The storage axis to slice along and the geometry of the result (nil without an affine).
    /// Appends a note saying how the axis was chosen.
    static func sliceAxis(header: NIfTIHeader, options: VolumeReadOptions,
                          notes: inout [String]) -> (axis: Int, geometry: VolumeGeometry?) {
        guard let axes = header.axes, let source = header.affineSource else {
            let axis = options.sliceAxis ?? 2
            notes.append(options.sliceAxis == nil
                         ? "no sform or qform: slices along the third storage axis (plane unknown)"
                         : "slices along storage axis \(axis) (set explicitly)")
            return (axis, nil)
        }
        let lengths = axes.map { $0.reduce(0) { $0 + $1 * $1 }.squareRoot() }
        let axis: Int
        if let explicit = options.sliceAxis {
            axis = explicit
            notes.append("slices along storage axis \(axis) (set explicitly)")
        } else {
            let p = options.plane.normalAxis
            axis = (0..<3).max { abs(axes[$0][p]) / lengths[$0] < abs(axes[$1][p]) / lengths[$1] }!
            notes.append("slices along storage axis \(axis): its \(source) direction is the closest to the \(options.plane.rawValue) normal")
        }
        // Rows and columns are the two remaining axes in increasing order.
        let rest = (0..<3).filter { $0 != axis }
        // The plane the chosen slices really lie in: the normal is the cross product of the
        // in-plane axes (not the slice axis itself, which a shear could tilt).
        let u = axes[rest[0]], v = axes[rest[1]]
        let normal = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]]
        guard let (plane, cosine) = AnatomicalPlane.closest(toNormal: normal) else { return (axis, nil) }
        let geometry = VolumeGeometry(plane: plane, planeCosine: cosine,
                                      spacingMM: (lengths[axis], lengths[rest[0]], lengths[rest[1]]))
        if options.sliceAxis == nil, plane != options.plane {
            notes.append("no storage axis crosses the \(options.plane.rawValue) plane; the slices are \(plane.rawValue)")
        }
        return (axis, geometry)
    }
}
