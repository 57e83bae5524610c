import Foundation

/// Options for `VolumeReader.read`.
public struct VolumeReadOptions: Sendable, Equatable {
    /// The plane whose slices make the volume (default sagittal). NIfTI: the storage axis whose
    /// direction in the affine (sform, else qform) is closest to the plane's normal; a file
    /// without either transform is read along its third axis (noted). DICOM: the series whose
    /// orientation is that plane. `.npy` files ignore it.
    public var plane: AnatomicalPlane
    /// NIfTI only: an explicit storage axis (0, 1 or 2) that overrides `plane`. Output slice `s`
    /// is then `data[:, :, s]` for axis 2 (rows along the first image axis, columns along the
    /// second — nibabel's `get_fdata()[:, :, s]`), `data[s, :, :]` for 0, `data[:, s, :]` for 1;
    /// rows and columns follow the two remaining axes in increasing order. No reorientation
    /// beyond the axis choice is applied. `.npy` files are always read as (slices, height, width).
    public var sliceAxis: Int?
    /// The most memory a read may allocate for samples: the raw bytes plus the float32 output
    /// (count × (itemsize + 4)). Checked from the header's dimensions before anything is
    /// allocated. Default 2 GiB.
    public var memoryBudgetBytes: Int

    public init(sliceAxis: Int? = nil, plane: AnatomicalPlane = .sagittal, memoryBudgetBytes: Int = 2 << 30) {
        self.sliceAxis = sliceAxis
        self.plane = plane
        self.memoryBudgetBytes = memoryBudgetBytes
    }

    func validated() throws -> VolumeReadOptions {
        if let sliceAxis, !(0...2).contains(sliceAxis) {
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
    case dicom
}

/// What a read produced: the volume, where it came from, and anything the caller should know.
public struct VolumeReadResult: Sendable {
    /// Float32 samples, shape (slices, height, width), in the source file's units (NIfTI: after
    /// scl_slope / scl_inter; DICOM: after RescaleSlope / RescaleIntercept).
    public var volume: Volume
    /// The element type stored in the file, NumPy's name: "uint8", "int16", "float64", …
    public var sourceDType: String
    public var format: VolumeFormat
    /// Human-readable remarks, e.g. "4-D image with 3 volumes: used the first volume",
    /// "big-endian samples", "Fortran order", "scaled by scl_slope=2 scl_inter=-1".
    public var notes: [String]
    /// Plane and spacing when the file states them (NIfTI with an affine, DICOM); nil for npy.
    public var geometry: VolumeGeometry? = nil
    /// DICOM: the series read (SeriesInstanceUID, description) and its transfer syntax.
    public var series: String? = nil
}

/// Reads a volume from `.npy`, `.nii`, `.nii.gz` (chosen by the extension, case-insensitive) or
/// DICOM (a directory of series, or a file with the `DICM` marker or a `.dcm` extension).
public enum VolumeReader {
    /// Reads the file or DICOM directory at `path`.
    ///
    /// - `.npy` (versions 1.0, 2.0, 3.0): dtypes u1 i1 u2 i2 u4 i4 i8 f4 f8 in either byte order,
    ///   C or Fortran order, shape (s, h, w); a 2-D array (h, w) is read as one slice (noted).
    /// - `.npy.gz`: a gzip-compressed `.npy` (KneeFlow's compact artifacts), read the same way.
    /// - `.nii` / `.nii.gz`: NIfTI-1 or NIfTI-2 single file, either byte order, datatypes uint8,
    ///   int8, int16, uint16, int32, uint32, int64, float32, float64; 3-D or 4-D (first volume,
    ///   noted); scl_slope/scl_inter applied; slices by `options.plane` or `options.sliceAxis`.
    /// - DICOM: see `DICOMSeriesReader`.
    /// - Throws: `ImagingError` naming the file: `.io` (missing/unreadable), `.format` (bad
    ///   magic/header, unknown extension, corrupt gzip), `.truncated` (data shorter than the
    ///   header promises), `.shape` (zero-length axis, unsupported rank, trailing bytes after
    ///   the data, inconsistent DICOM geometry), `.dtype` (also an undecodable DICOM transfer
    ///   syntax), `.nonFinite` (NaN/Inf sample), `.value` (sample outside float32), `.tooLarge`
    ///   (over the memory budget, checked before allocating), `.argument` (options).
    public static func read(path: String, options: VolumeReadOptions = .init()) throws -> VolumeReadResult {
        let options = try options.validated()
        let lower = path.lowercased()
        if lower.hasSuffix(".npy") {
            return try NpyReader.read(from: FileSource(path: path), options: options)
        }
        if lower.hasSuffix(".npy.gz") {
            return try NpyReader.read(from: GzipSource(FileSource(path: path)), options: options)
        }
        if lower.hasSuffix(".nii") || lower.hasSuffix(".nii.gz") {
            return try NIfTIReader.read(from: FileSource(path: path), options: options)
        }
        if lower.hasSuffix(".dcm") || DICOMInput.isDICOM(path: path) {
            return try DICOMSeriesReader.read(path: path, options: options)
        }
        throw ImagingError(.format, "unknown volume extension (expected .npy, .npy.gz, .nii, .nii.gz, a DICOM file or a directory of DICOM files)", file: path)
    }

    /// Reads a volume from bytes already in memory; `name` is the file name used for the
    /// format choice and in errors. Same behaviour and errors as `read(path:options:)`.
    public static func read(bytes: [UInt8], name: String, options: VolumeReadOptions = .init()) throws -> VolumeReadResult {
        let options = try options.validated()
        let lower = name.lowercased()
        if lower.hasSuffix(".npy") { return try NpyReader.read(from: MemorySource(bytes, name: name), options: options) }
        if lower.hasSuffix(".npy.gz") {
            return try NpyReader.read(from: GzipSource(MemorySource(bytes, name: name)), options: options)
        }
        if lower.hasSuffix(".nii") || lower.hasSuffix(".nii.gz") {
            return try NIfTIReader.read(from: MemorySource(bytes, name: name), options: options)
        }
        if lower.hasSuffix(".dcm") || DICOMInput.hasMarker(bytes) {
            return try DICOMSeriesReader.read(files: [(name, bytes)], options: options, source: name)
        }
        throw ImagingError(.format, "unknown volume extension (expected .npy, .npy.gz, .nii, .nii.gz, a DICOM file or a directory of DICOM files)", file: name)
    }
}
