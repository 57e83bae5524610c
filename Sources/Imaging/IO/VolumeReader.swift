/// Options for `VolumeReader.read`.
public struct VolumeReadOptions: Sendable, Equatable {
    /// NIfTI only: the image axis (0, 1 or 2) the slices are taken along. Default 2 (the third
    /// axis): output slice `s` is `data[:, :, s]`, its rows run along the first image axis and
    /// its columns along the second — the same array as nibabel's `get_fdata()[:, :, s]`.
    /// For axis 0 slice `s` is `data[s, :, :]`, for axis 1 `data[:, s, :]`; rows and columns
    /// follow the two remaining axes in increasing order. Axes are the file's storage axes:
    /// no reorientation by qform/sform is applied. `.npy` files are always read as
    /// (slices, height, width) and ignore this.
    public var sliceAxis: Int
    /// The most memory a read may allocate for samples: the raw bytes plus the float32 output
    /// (count × (itemsize + 4)). Checked from the header's dimensions before anything is
    /// allocated. Default 2 GiB.
    public var memoryBudgetBytes: Int

    public init(sliceAxis: Int = 2, memoryBudgetBytes: Int = 2 << 30) {
        self.sliceAxis = sliceAxis
        self.memoryBudgetBytes = memoryBudgetBytes
    }

    func validated() throws -> VolumeReadOptions {
        guard (0...2).contains(sliceAxis) else {
            throw ImagingError(.argument, "slice axis must be 0, 1 or 2, got \(sliceAxis)")
        }
        guard memoryBudgetBytes > 0 else {
            throw ImagingError(.argument, "memory budget must be positive, got \(memoryBudgetBytes)")
        }
        return self
    }
}

/// The file formats `VolumeReader` understands.
public enum VolumeFormat: String, Sendable {
    case npy
    case nifti
}

/// What a read produced: the volume, where it came from, and anything the caller should know.
public struct VolumeReadResult: Sendable {
    /// Float32 samples, shape (slices, height, width), in the source file's units (NIfTI: after
    /// scl_slope / scl_inter).
    public var volume: Volume
    /// The element type stored in the file, NumPy's name: "uint8", "int16", "float64", …
    public var sourceDType: String
    public var format: VolumeFormat
    /// Human-readable remarks, e.g. "4-D image with 3 volumes: used the first volume",
    /// "big-endian samples", "Fortran order", "scaled by scl_slope=2 scl_inter=-1".
    public var notes: [String]
}

/// Reads a volume from `.npy`, `.nii` or `.nii.gz`, chosen by the file name's extension
/// (case-insensitive).
public enum VolumeReader {
    /// Reads the file at `path`.
    ///
    /// - `.npy` (versions 1.0, 2.0, 3.0): dtypes u1 i1 u2 i2 u4 i4 i8 f4 f8 in either byte order,
    ///   C or Fortran order, shape (s, h, w); a 2-D array (h, w) is read as one slice (noted).
    /// - `.nii` / `.nii.gz`: NIfTI-1 single file, either byte order, datatypes uint8, int8,
    ///   int16, uint16, int32, uint32, int64, float32, float64; 3-D or 4-D (first volume, noted);
    ///   slices along `options.sliceAxis`.
    /// - Throws: `ImagingError` naming the file: `.io` (missing/unreadable), `.format` (bad
    ///   magic/header, unknown extension, corrupt gzip), `.truncated` (data shorter than the
    ///   header promises), `.shape` (zero-length axis, unsupported rank, trailing bytes after
    ///   the data), `.dtype`, `.nonFinite` (NaN/Inf sample), `.value` (sample outside float32),
    ///   `.tooLarge` (over the memory budget, checked before allocating), `.argument` (options).
    public static func read(path: String, options: VolumeReadOptions = .init()) throws -> VolumeReadResult {
        let options = try options.validated()
        let lower = path.lowercased()
        if lower.hasSuffix(".npy") {
            return try NpyReader.read(from: FileSource(path: path), options: options)
        }
        if lower.hasSuffix(".nii") || lower.hasSuffix(".nii.gz") {
            return try NIfTIReader.read(from: FileSource(path: path), options: options)
        }
        throw ImagingError(.format, "unknown volume extension (expected .npy, .nii or .nii.gz)", file: path)
    }

    /// Reads a volume from bytes already in memory; `name` is the file name used for the
    /// format choice and in errors. Same behaviour and errors as `read(path:options:)`.
    public static func read(bytes: [UInt8], name: String, options: VolumeReadOptions = .init()) throws -> VolumeReadResult {
        let options = try options.validated()
        let lower = name.lowercased()
        if lower.hasSuffix(".npy") { return try NpyReader.read(from: MemorySource(bytes, name: name), options: options) }
        if lower.hasSuffix(".nii") || lower.hasSuffix(".nii.gz") {
            return try NIfTIReader.read(from: MemorySource(bytes, name: name), options: options)
        }
        throw ImagingError(.format, "unknown volume extension (expected .npy, .nii or .nii.gz)", file: name)
    }
}
