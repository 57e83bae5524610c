import CDicom
import Foundation

/// The frames of one SeriesInstanceUID with their shared geometry, checked for consistency.
struct DICOMSeries {
    struct Frame {
        let file: DICOMFile
        let index: Int
        var geometry: kfd_frame { file.frames[index] }
    }

    let uid: String
    let files: [DICOMFile]
    let frames: [Frame]
    let plane: AnatomicalPlane
    let cosine: Double
    let normal: [Double]
    let pixelSpacing: (row: Double, column: Double)
    let hasPixelSpacing: Bool

    /// Groups `files` (one series) and checks that every frame has the same size and
    /// orientation and has a position.
    /// - Throws: `ImagingError(.shape)` naming the files that disagree, `.format` naming a file
    ///   without ImageOrientationPatient or ImagePositionPatient.
    init(uid: String, files: [DICOMFile]) throws {
        self.uid = uid
        self.files = files
        frames = files.flatMap { f in (0..<f.frames.count).map { Frame(file: f, index: $0) } }
        let first = frames[0]
        let g0 = first.geometry
        let label = uid.isEmpty ? "series without SeriesInstanceUID" : "series \(uid)"
        for f in frames {
            let g = f.geometry
            guard g.has_orientation != 0, g.has_position != 0 else {
                throw ImagingError(.format, "frame \(f.index + 1) has no ImageOrientationPatient/ImagePositionPatient", file: f.file.name)
            }
            if f.file.info.rows != first.file.info.rows || f.file.info.columns != first.file.info.columns {
                throw ImagingError(.shape, "\(label) mixes sizes: \(first.file.name) is \(first.file.info.rows)×\(first.file.info.columns), \(f.file.name) is \(f.file.info.rows)×\(f.file.info.columns)")
            }
            let o = Self.tuple6(g.orientation), o0 = Self.tuple6(g0.orientation)
            if zip(o, o0).contains(where: { abs($0 - $1) > 1e-3 }) {
                throw ImagingError(.shape, "\(label) mixes orientations: \(first.file.name) \(o0.map { String($0) }.joined(separator: "\\")), \(f.file.name) \(o.map { String($0) }.joined(separator: "\\"))")
            }
        }
        let o = Self.tuple6(g0.orientation)
        let n = [o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]]
        guard let (plane, cosine) = AnatomicalPlane.closest(toNormal: n) else {
            throw ImagingError(.format, "ImageOrientationPatient \(o) is degenerate", file: first.file.name)
        }
        let length = n.reduce(0) { $0 + $1 * $1 }.squareRoot()
        normal = n.map { $0 / length }
        self.plane = plane
        self.cosine = cosine
        hasPixelSpacing = g0.has_spacing != 0
        pixelSpacing = hasPixelSpacing ? (g0.spacing.0, g0.spacing.1) : (1, 1)
    }

    /// Frame indices ordered by position along the normal, and the median slice spacing (mm;
    /// 1 for a single slice).
    /// - Throws: `ImagingError(.shape)` for two frames at one position or a gap over 1.5 × the
    ///   median spacing, naming the files on either side.
    func ordered(source: String) throws -> (order: [Int], spacing: Double) {
        let depth = frames.map { f -> Double in
            let p = f.geometry.position
            return p.0 * normal[0] + p.1 * normal[1] + p.2 * normal[2]
        }
        let order = depth.indices.sorted { depth[$0] != depth[$1] ? depth[$0] < depth[$1] : $0 < $1 }
        guard order.count > 1 else { return (order, 1) }
        let gaps = zip(order, order.dropFirst()).map { depth[$1] - depth[$0] }
        func name(_ k: Int) -> String {
            frames[k].file.frames.count > 1 ? "\(frames[k].file.name) frame \(frames[k].index + 1)" : frames[k].file.name
        }
        for (i, g) in gaps.enumerated() where g < 1e-3 {
            throw ImagingError(.shape, "duplicate slice position \(String(format: "%.3f", depth[order[i]])) mm: \(name(order[i])) and \(name(order[i + 1]))", file: source)
        }
        let median = gaps.sorted()[gaps.count / 2]
        for (i, g) in gaps.enumerated() where g > 1.5 * median {
            throw ImagingError(.shape, "missing slice: \(String(format: "%.3f", g)) mm between \(name(order[i])) and \(name(order[i + 1])), the series' spacing is \(String(format: "%.3f", median)) mm", file: source)
        }
        return (order, median)
    }

    static func tuple6(_ t: (Double, Double, Double, Double, Double, Double)) -> [Double] { [t.0, t.1, t.2, t.3, t.4, t.5] }
}
