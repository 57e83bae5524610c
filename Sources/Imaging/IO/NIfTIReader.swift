/// Reader for NIfTI-1 and NIfTI-2 single files, plain (`.nii`) or gzip-compressed (`.nii.gz`; recognised
/// by its magic bytes, whatever the name). See `VolumeReader` for the datatypes, the slice
/// orientation and the errors.
public enum NIfTIReader {
    /// Reads the NIfTI file at `path` (same as `VolumeReader.read` for a `.nii`/`.nii.gz`).
    public static func read(path: String, options: VolumeReadOptions = .init()) throws -> VolumeReadResult {
        try read(from: FileSource(path: path), options: options.validated())
    }

    static func read(from file: ByteSource, options: VolumeReadOptions) throws -> VolumeReadResult {
        let name = file.name
        let first = try file.read(upTo: 2)
        guard !first.isEmpty else { throw ImagingError(.truncated, "empty file", file: name) }
        let source: ByteSource
        if GzipSource.looksLikeGzip(first) {
            source = try GzipSource(PrefixedSource(prefix: first, rest: file))
        } else {
            source = PrefixedSource(prefix: first, rest: file)
        }
        var raw = try source.read(exactly: 348, what: "NIfTI header")
        let (headerSize, _) = try NIfTIHeader.sizeAndOrder(raw, file: name)
        if headerSize > raw.count { raw += try source.read(exactly: headerSize - raw.count, what: "NIfTI-2 header") }
        let header = try NIfTIHeader.parse(raw, file: name)
        var notes: [String] = header.version == 2 ? ["NIfTI-2"] : []

        let (nx, ny, nz, nt) = (header.dims[0], header.dims[1], header.dims[2], header.dims[3])
        let dimsText = header.dims[0..<header.rank].map(String.init).joined(separator: "×")
        guard let count = checkedProduct([nx, ny, nz]),
              let volumeBytes = checkedProduct([count, header.type.size]),
              checkedProduct([volumeBytes, nt]) != nil else {
            throw ImagingError(.tooLarge, "NIfTI dimensions \(dimsText) overflow", file: name)
        }
        try checkBudget(count: count, type: header.type, budget: options.memoryBudgetBytes, dims: dimsText, file: name)
        if header.rank == 4 {
            notes.append("4-D image with \(nt) volume\(nt == 1 ? "" : "s"): used the first volume")
        }
        if header.rank == 2 { notes.append("2-D image: read as one slice") }

        let gap = header.voxOffset - header.size
        guard try source.skip(gap) == gap else {
            throw ImagingError(.truncated, "file ends before vox_offset \(header.voxOffset)", file: name)
        }
        let data = try source.read(exactly: volumeBytes, what: "NIfTI data for \(dimsText) \(header.type.name)")
        for v in 1..<max(nt, 1) where try source.skip(volumeBytes) != volumeBytes {
            throw ImagingError(.truncated, "file ends inside volume \(v + 1) of \(nt)", file: name)
        }
        if try source.hasMoreBytes() {
            throw ImagingError(.shape, "NIfTI file has bytes after the data that \(dimsText) \(header.type.name) needs", file: name)
        }

        // Voxel (i, j, k) is stored at element i + nx*(j + ny*k).
        let (axis, geometry) = NIfTIOrientation.sliceAxis(header: header, options: options, notes: &notes)
        let dims: (Int, Int, Int), strides: (Int, Int, Int)
        switch axis {
        case 0: (dims, strides) = ((nx, ny, nz), (1, nx, nx * ny))
        case 1: (dims, strides) = ((ny, nx, nz), (nx, 1, nx * ny))
        default: (dims, strides) = ((nz, nx, ny), (nx * ny, 1, nx))
        }
        if header.bigEndian, header.type.size > 1 { notes.append("big-endian samples") }
        if let s = header.scaling { notes.append("scaled by scl_slope=\(s.slope) scl_inter=\(s.inter)") }
        let samples = try SampleGather(type: header.type, bigEndian: header.bigEndian, dims: dims,
                                       strides: strides, scaling: header.scaling).run(raw: data, file: name)
        let volume = try Volume(slices: dims.0, height: dims.1, width: dims.2, data: samples)
        return VolumeReadResult(volume: volume, sourceDType: header.type.name, format: .nifti, notes: notes, geometry: geometry)
    }
}

/// A few already-read bytes followed by the rest of a stream (used to sniff the gzip magic).
final class PrefixedSource: ByteSource {
    let name: String
    private var prefix: [UInt8]
    private let rest: ByteSource

    init(prefix: [UInt8], rest: ByteSource) { self.prefix = prefix; self.rest = rest; name = rest.name }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !prefix.isEmpty else { return try rest.read(into: buffer) }
        let n = min(buffer.count, prefix.count)
        prefix.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        prefix.removeFirst(n)
        return n
    }

    func skip(_ count: Int) throws -> Int {
        let n = min(max(count, 0), prefix.count)
        prefix.removeFirst(n)
        return n + (count > n ? try rest.skip(count - n) : 0)
    }
}
