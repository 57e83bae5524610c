extension ArtifactLayout {
    /// The files of one job's (or one `kneeflow preprocess` run's) artifact directory: the one
    /// place their names live. `key` is the name in the result's artifacts JSON, `fileName` the
    /// file in the directory.
    public enum Artifact: String, CaseIterable, Sendable {
        /// NMF base images, float32 K×h×w.
        case base
        /// Slice-preprocessed base images before segmentation, float32 K×h×w (`preprocess` only).
        case normalized
        /// Segmented base images (kept clusters), float32 K×h×w: the `seg` classifier input.
        case segmented
        /// Foreground masks, uint8 K×h×w.
        case mask
        /// K-means cluster labels, uint8 K×h×w (`preprocess` only).
        case labels
        /// Raw slices resampled to K, float32 K×h×w: the `raw` classifier input.
        case raw
        /// Montage of base, mask and segmentation per slice (PNG).
        case preview
        /// The preview shrunk to at most 480 px wide, for report galleries (PNG; full format only:
        /// the compact preview is already that size).
        case previewThumb = "preview_thumb"
        /// Class activation map over the winning slice (PNG).
        case cam
        /// The CAM shrunk to at most 160 px wide (PNG).
        case camThumb = "cam_thumb"
        /// The job's metrics (pretty canonical JSON).
        case metrics

        /// The name in a result's artifacts JSON.
        public var key: String { rawValue }

        /// The file name inside the artifact directory.
        public var fileName: String {
            switch self {
            case .base, .normalized, .segmented, .mask, .labels, .raw: return rawValue + ".npy"
            case .preview, .previewThumb, .cam, .camThumb: return rawValue + ".png"
            case .metrics: return rawValue + ".json"
            }
        }

        /// The file name in a directory of the given format: compact stores the `.npy` volumes
        /// gzip-compressed (`.npy.gz`, uint8 samples; see `ArtifactFormat`).
        public func fileName(_ format: ArtifactFormat) -> String {
            format == .compact && fileName.hasSuffix(".npy") ? fileName + ".gz" : fileName
        }

        /// The artifact a relative path names, by its file name in either format (`nil` for
        /// other files).
        public init?(path: String) {
            let name = path.split(separator: "/").last.map(String.init) ?? path
            guard let a = Self.allCases.first(where: { $0.fileName == name || $0.fileName(.compact) == name }) else { return nil }
            self = a
        }
    }

    /// The artifacts JSON key of the job directory itself (relative to the root).
    public static let directoryKey = "dir"
}
