import Common
import Foundation
import Imaging

/// Writes the artifacts of one volume into one directory, each file atomically (temp file +
/// rename), under the names `ArtifactLayout.Artifact` owns, and records each one's path relative
/// to the root. The worker's chain handler and `kneeflow preprocess` share it. In the compact
/// format (`ArtifactFormat`) volumes go to uint8 `.npy.gz` and the quantisation of each is kept
/// in `quantisation` for the job's metrics.
public struct ArtifactWriter {
    /// The directory's root (the artifact root for jobs, the output directory for `preprocess`).
    public let layout: ArtifactLayout
    /// The directory relative to the root ("" for the root itself).
    public let directory: String
    /// Whether each file is fsynced before the rename (not for jobs: the fenced completion
    /// publishes them, and a lost file only fails a later read).
    public let durable: Bool
    /// How volumes and the preview are stored.
    public let format: ArtifactFormat
    /// Artifact key → path relative to the root, for every file written so far.
    public private(set) var written: [String: String] = [:]
    /// Artifact key → how its stored bytes map back to values (compact volumes only).
    public private(set) var quantisation: [String: ArtifactQuantisation] = [:]

    public init(layout: ArtifactLayout, directory: String, durable: Bool, format: ArtifactFormat = .full) {
        self.layout = layout; self.directory = directory; self.durable = durable; self.format = format
    }

    /// The path of an artifact relative to the root.
    public func relative(_ a: ArtifactLayout.Artifact) -> String {
        directory.isEmpty ? a.fileName(format) : directory + "/" + a.fileName(format)
    }

    /// The absolute (or cwd-relative) path of an artifact.
    public func path(_ a: ArtifactLayout.Artifact) -> String { layout.absolute(relative(a)) }

    /// Writes bytes as the artifact and records it.
    public mutating func write(_ bytes: [UInt8], as a: ArtifactLayout.Artifact) throws {
        try AtomicFile.write(bytes, to: path(a), durable: durable)
        written[a.key] = relative(a)
    }

    /// A volume (slices × height × width): float32 `.npy` in the full format; in the compact
    /// format uint8 `.npy.gz`, exact when every sample is an integer in 0…255 (the segmented
    /// images), else quantised per image (`ArtifactQuantisation.quantise`), the mapping recorded.
    /// - Returns: the values the stored file stands for (what `ArtifactReader` reads back: `v`
    ///   itself in the full format, the dequantised bytes in the compact one). The chain
    ///   classifies these, so a job that reuses a stage-cache entry sees exactly what a job
    ///   that computed it saw.
    @discardableResult
    public mutating func write(_ v: Volume, as a: ArtifactLayout.Artifact) throws -> Volume {
        let shape = [v.slices, v.height, v.width]
        switch format {
        case .full:
            try write(NpyWriter.encode(float32: v.data, shape: shape), as: a)
            return v
        case .compact:
            let (bytes, q) = ArtifactQuantisation.exact(v) ?? ArtifactQuantisation.quantise(v)
            try write(uint8: bytes, shape: shape, as: a)
            quantisation[a.key] = q
            let stored = try Volume(slices: v.slices, height: v.height, width: v.width, data: bytes.map(Float.init))
            return try q.dequantise(stored, name: relative(a))
        }
    }

    /// Records a file placed in the directory by other means (hard-linked from the stage cache)
    /// as if written here, with its quantisation record (compact volumes).
    public mutating func adopt(_ a: ArtifactLayout.Artifact, quantisation q: ArtifactQuantisation?) {
        written[a.key] = relative(a)
        if let q { quantisation[a.key] = q }
    }

    /// uint8 samples as .npy with the given shape (`.npy.gz` in the compact format).
    public mutating func write(uint8 values: [UInt8], shape: [Int], as a: ArtifactLayout.Artifact) throws {
        let npy = NpyWriter.encode(uint8: values, shape: shape)
        try write(format == .compact ? try GzipWriter.compress(npy, name: relative(a), level: 1) : npy, as: a)
    }

    /// An RGB image as PNG.
    public mutating func writePNG(rgb: [UInt8], width: Int, height: Int, as a: ArtifactLayout.Artifact) throws {
        try write(try PNGWriter.encodeRGB(width: width, height: height, pixels: rgb), as: a)
    }

    /// The preview montage of a preprocessing result and, with `thumbnailWidth`, its thumbnail.
    /// The compact format writes only the thumbnail-sized montage, as the preview.
    public mutating func writePreview(_ result: PreprocessResult, thumbnailWidth: Int?) throws {
        let m = Montage.preview(result)
        if format == .compact {
            let t = Thumbnail.shrink(rgb: m.rgb, width: m.width, height: m.height, maxWidth: thumbnailWidth ?? Self.compactPreviewWidth)
            try writePNG(rgb: t.rgb, width: t.width, height: t.height, as: .preview)
            return
        }
        try writePNG(rgb: m.rgb, width: m.width, height: m.height, as: .preview)
        if let thumbnailWidth {
            let t = Thumbnail.shrink(rgb: m.rgb, width: m.width, height: m.height, maxWidth: thumbnailWidth)
            try writePNG(rgb: t.rgb, width: t.width, height: t.height, as: .previewThumb)
        }
    }

    /// The foreground masks of a preprocessing result (uint8, the base images' shape).
    public mutating func writeMasks(_ r: PreprocessResult) throws {
        try write(uint8: r.masks, shape: [r.base.slices, r.base.height, r.base.width], as: .mask)
    }

    /// The widest compact preview (a report gallery's image width).
    public static let compactPreviewWidth = 480

    /// Text (the metrics JSON) as the artifact.
    public mutating func write(text: String, as a: ArtifactLayout.Artifact) throws {
        try write(Array(text.utf8), as: a)
    }
}
