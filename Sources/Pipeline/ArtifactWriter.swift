import Common
import Foundation
import Imaging

/// Writes the artifacts of one volume into one directory, each file atomically (temp file +
/// rename), under the names `ArtifactLayout.Artifact` owns, and records each one's path relative
/// to the root. The worker's chain handler and `kneeflow preprocess` share it.
public struct ArtifactWriter {
    /// The directory's root (the artifact root for jobs, the output directory for `preprocess`).
    public let layout: ArtifactLayout
    /// The directory relative to the root ("" for the root itself).
    public let directory: String
    /// Whether each file is fsynced before the rename (not for jobs: the fenced completion
    /// publishes them, and a lost file only fails a later read).
    public let durable: Bool
    /// Artifact key → path relative to the root, for every file written so far.
    public private(set) var written: [String: String] = [:]

    public init(layout: ArtifactLayout, directory: String, durable: Bool) {
        self.layout = layout; self.directory = directory; self.durable = durable
    }

    /// The path of an artifact relative to the root.
    public func relative(_ a: ArtifactLayout.Artifact) -> String {
        directory.isEmpty ? a.fileName : directory + "/" + a.fileName
    }

    /// The absolute (or cwd-relative) path of an artifact.
    public func path(_ a: ArtifactLayout.Artifact) -> String { layout.absolute(relative(a)) }

    /// Writes bytes as the artifact and records it.
    public mutating func write(_ bytes: [UInt8], as a: ArtifactLayout.Artifact) throws {
        try AtomicFile.write(bytes, to: path(a), durable: durable)
        written[a.key] = relative(a)
    }

    /// A float32 volume as .npy (slices × height × width).
    public mutating func write(_ v: Volume, as a: ArtifactLayout.Artifact) throws {
        try write(NpyWriter.encode(float32: v.data, shape: [v.slices, v.height, v.width]), as: a)
    }

    /// uint8 samples as .npy with the given shape.
    public mutating func write(uint8 values: [UInt8], shape: [Int], as a: ArtifactLayout.Artifact) throws {
        try write(NpyWriter.encode(uint8: values, shape: shape), as: a)
    }

    /// An RGB image as PNG.
    public mutating func writePNG(rgb: [UInt8], width: Int, height: Int, as a: ArtifactLayout.Artifact) throws {
        try write(try PNGWriter.encodeRGB(width: width, height: height, pixels: rgb), as: a)
    }

    /// The preview montage of a preprocessing result and, with `thumbnailWidth`, its thumbnail.
    public mutating func writePreview(_ result: PreprocessResult, thumbnailWidth: Int?) throws {
        let m = Montage.preview(result)
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

    /// Text (the metrics JSON) as the artifact.
    public mutating func write(text: String, as a: ArtifactLayout.Artifact) throws {
        try write(Array(text.utf8), as: a)
    }
}
