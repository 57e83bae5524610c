/// Reads DICOM into a `Volume`: a directory with one or more series (single-frame files) or a
/// multi-frame file (Enhanced MR: geometry from the per-frame and shared functional groups).
///
/// Files are grouped by SeriesInstanceUID; the series whose orientation is `options.plane`
/// (sagittal by default) is read; with several such series the one with the most slices is
/// taken (ties: the smaller UID), and the choice is noted. Slices are ordered by
/// ImagePositionPatient projected on the slice normal (row × column cosines), ascending — never
/// by file name or InstanceNumber. Rows and columns are as stored. RescaleSlope/Intercept are
/// applied per frame. Files without the `DICM` marker in a directory are skipped (noted), as
/// are DICOM files without pixel data (a DICOMDIR).
///
/// Inconsistent geometry is `ImagingError(.shape)` naming the files: mixed sizes or
/// orientations within the series, two slices at one position, a gap over 1.5 × the median
/// spacing (a missing slice).
public enum DICOMSeriesReader {
    /// DCMTK's version, for reports and `kneeflow convert`.
    public static var libraryVersion: String { DICOMFile.libraryVersion }

    /// Reads the directory or file at `path` (see `DICOMInput.load`).
    public static func read(path: String, options: VolumeReadOptions = .init()) throws -> VolumeReadResult {
        let options = try options.validated()
        return try read(files: try DICOMInput.load(path: path, budget: options.memoryBudgetBytes), options: options, source: path)
    }

    /// Reads from files already in memory; `source` names the input in errors.
    public static func read(files: [(name: String, bytes: [UInt8])], options: VolumeReadOptions,
                            source: String) throws -> VolumeReadResult {
        var notes: [String] = []
        var parsed: [DICOMFile] = []
        var skipped: [String] = []
        // A directory's files (not the one file named by the input) may be anything: skip those
        // without the DICM marker or without pixel data.
        let directory = files.count > 1 || files.first?.name != source
        for f in files {
            if directory, !DICOMInput.hasMarker(f.bytes) { skipped.append(f.name); continue }
            do { parsed.append(try DICOMFile(bytes: f.bytes, name: f.name)) } catch let e as ImagingError
                where e.code == .format && e.message.hasPrefix(DICOMFile.noPixelsPrefix) && directory {
                skipped.append(f.name)
            }
        }
        if !skipped.isEmpty { notes.append("skipped \(skipped.count) file(s) without DICOM image data: \(list(skipped))") }
        guard !parsed.isEmpty else { throw ImagingError(.format, "no DICOM image files", file: source) }

        let series = try Dictionary(grouping: parsed, by: \.seriesUID).map { uid, files in
            try DICOMSeries(uid: uid, files: files.sorted { $0.name < $1.name })
        }.sorted { $0.uid < $1.uid }
        let matching = series.filter { $0.plane == options.plane }
        guard let chosen = matching.max(by: { ($0.frames.count, $1.uid) < ($1.frames.count, $0.uid) }) else {
            let found = series.map { "\($0.uid.isEmpty ? "(no UID)" : $0.uid) (\($0.plane.rawValue), \($0.frames.count) slices)" }
            throw ImagingError(.shape, "no \(options.plane.rawValue) series; found \(found.joined(separator: ", "))", file: source)
        }
        if series.count > 1 {
            let others = series.filter { $0.uid != chosen.uid }.map { "\($0.uid) (\($0.plane.rawValue), \($0.frames.count))" }
            notes.append("\(series.count) series: read \(chosen.uid) (\(chosen.frames.count) slices); not read: \(others.joined(separator: ", "))")
        }
        let (order, spacing) = try chosen.ordered(source: source)
        let first = chosen.frames[0].file.info
        let (rows, columns) = (Int(first.rows), Int(first.columns))
        let sliceSize = rows * columns
        let type: SampleType = first.bits_allocated == 8 ? .uint8 : .uint16
        try checkBudget(count: sliceSize * order.count, type: type, budget: options.memoryBudgetBytes,
                        dims: "\(order.count)×\(rows)×\(columns)", file: source)

        // Decode each file once; place its frames by their sorted position.
        var data = [Float](repeating: 0, count: sliceSize * order.count)
        var slot: [ObjectIdentifier: [(frame: Int, slice: Int)]] = [:]
        for (s, k) in order.enumerated() { slot[ObjectIdentifier(chosen.frames[k].file), default: []].append((chosen.frames[k].index, s)) }
        var rescaled = false
        for file in chosen.files {
            let samples = try file.decode()
            for (frame, s) in slot[ObjectIdentifier(file)] ?? [] {
                let g = file.frames[frame]
                let (slope, inter) = (g.slope, g.intercept)
                if slope != 1 || inter != 0 { rescaled = true }
                guard slope.isFinite, inter.isFinite, slope != 0 else {
                    throw ImagingError(.value, "RescaleSlope \(slope) / RescaleIntercept \(inter) of frame \(frame + 1) is unusable", file: file.name)
                }
                for i in 0..<sliceSize {
                    data[s * sliceSize + i] = Float(Double(samples[frame * sliceSize + i]) * slope + inter)
                }
            }
        }
        let volume = try Volume(slices: order.count, height: rows, width: columns, data: data)
        let description = chosen.files[0].seriesDescription
        let syntaxes = Set(chosen.files.map(\.transferSyntax)).sorted()
        notes.append("DICOM series \(chosen.uid)\(description.isEmpty ? "" : " \"\(description)\""): \(order.count) slices from \(chosen.files.count) file(s), \(syntaxes.joined(separator: ", "))")
        if rescaled { notes.append("RescaleSlope/RescaleIntercept applied") }
        if DICOMFile.string(first.photometric) == "MONOCHROME1" {
            notes.append("MONOCHROME1: values as stored (higher is darker on screen); not inverted")
        }
        if order.count == 1 { notes.append("one slice: slice spacing unknown (reported as 1 mm)") }
        let geometry = VolumeGeometry(plane: chosen.plane, planeCosine: chosen.cosine,
                                      spacingMM: (spacing, chosen.pixelSpacing.row, chosen.pixelSpacing.column))
        if !chosen.hasPixelSpacing { notes.append("no PixelSpacing: in-plane spacing taken as 1 mm") }
        return VolumeReadResult(volume: volume, sourceDType: chosen.files[0].dtype, format: .dicom, notes: notes,
                                geometry: geometry, series: chosen.uid + (description.isEmpty ? "" : " (\(description))"))
    }

    /// Up to 5 names, then a count.
    static func list(_ names: [String]) -> String {
        names.count <= 5 ? names.joined(separator: ", ") : names.prefix(5).joined(separator: ", ") + " and \(names.count - 5) more"
    }
}
