/// The anatomical plane slices lie in. Patient axes are numbered as in both NIfTI (RAS) and
/// DICOM (LPS): 0 = left–right, 1 = anterior–posterior, 2 = inferior–superior; the signs differ
/// between the two conventions but the plane choice uses only magnitudes.
public enum AnatomicalPlane: String, Sendable, Codable, CaseIterable {
    /// Slices across the left–right axis (MRNet's sagittal series; KneeFlow's default).
    case sagittal
    /// Slices across the anterior–posterior axis.
    case coronal
    /// Slices across the inferior–superior axis.
    case axial

    /// The patient axis the plane's normal runs along.
    public var normalAxis: Int {
        switch self {
        case .sagittal: 0
        case .coronal: 1
        case .axial: 2
        }
    }

    /// The plane whose normal is closest to `normal` (any length, patient coordinates), with
    /// the cosine between them (1 = exactly that plane; below ~0.8 the slices are oblique).
    /// Returns nil for a zero or non-finite vector.
    public static func closest(toNormal normal: [Double]) -> (plane: AnatomicalPlane, cosine: Double)? {
        let length = normal.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard normal.count == 3, length > 0, length.isFinite else { return nil }
        let best = (0..<3).max { abs(normal[$0]) < abs(normal[$1]) }!
        return (allCases.first { $0.normalAxis == best }!, abs(normal[best]) / length)
    }
}

/// Where a read volume sits in the patient, as far as the file says.
public struct VolumeGeometry: Sendable, Equatable {
    /// The plane the slices lie in (from the affine or the DICOM orientation).
    public var plane: AnatomicalPlane
    /// Cosine between the slice normal and the plane's axis (1 = not oblique).
    public var planeCosine: Double
    /// Millimetres between slices, rows and columns.
    public var spacingMM: (slice: Double, row: Double, column: Double)

    public static func == (a: VolumeGeometry, b: VolumeGeometry) -> Bool {
        a.plane == b.plane && a.planeCosine == b.planeCosine && a.spacingMM == b.spacingMM
    }

    /// "sagittal, spacing 3 × 0.5 × 0.5 mm (slice × row × column)".
    public var summary: String {
        func f(_ v: Double) -> String {
            let r = (v * 1000).rounded() / 1000
            return r == r.rounded() ? String(Int(r)) : String(r)
        }
        let oblique = planeCosine < 0.99 ? " (oblique, cosine \(f(planeCosine)))" : ""
        return "\(plane.rawValue)\(oblique), spacing \(f(spacingMM.slice)) × \(f(spacingMM.row)) × \(f(spacingMM.column)) mm (slice × row × column)"
    }
}
