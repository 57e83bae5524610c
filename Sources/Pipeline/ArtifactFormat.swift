import Foundation
import Imaging

/// How a job stores its image artifacts (run configuration key `artifactFormat`, `kneeflow
/// enqueue --artifact-format`).
///
/// Why compact is the default: at a million volumes the artifact store is what a lab pays for.
/// The float32 set of a 256×256 job is ≈ 7.5 MB (two 2.6 MB float32 volumes, a 0.65 MB mask, a
/// 2.2 MB full-size preview); the compact set is under 1 MB with nothing a reader needs lost:
/// the segmented images (integers 0…255 by construction) are stored exactly, the NMF base and
/// resampled raw images to 8 bits of their own per-image range (the scale and offset recorded
/// in the job's metrics, error ≤ half a step), the mask exactly, all as gzip-compressed `.npy`
/// (`numpy.load(gzip.open(f))`), and one preview sized for a report (≤ 480 px wide).
public enum ArtifactFormat: String, Codable, Sendable, CaseIterable {
    /// uint8 `.npy.gz` (base and raw quantised, segmented and mask exact), a ≤ 480 px preview.
    case compact
    /// float32 `.npy` base/segmented/raw, uint8 `.npy` mask, the full-size preview and its thumbnail.
    case full
}

/// How one quantised artifact maps back to its values: image k's stored byte q stands for
/// `offset[k] + q · scale[k]` (float32 arithmetic). Stored in the job's metrics under
/// `artifact_quantisation.<artifact key>`.
public struct ArtifactQuantisation: Codable, Sendable, Equatable {
    /// The stored sample type (`uint8`).
    public var dtype: String
    /// Per image (slice of the artifact): the value of q = 0.
    public var offset: [Float]
    /// Per image: the value of one step (0 for a constant image).
    public var scale: [Float]

    public init(dtype: String = "uint8", offset: [Float], scale: [Float]) {
        self.dtype = dtype; self.offset = offset; self.scale = scale
    }

    /// Quantises each image of `v` to 8 bits over its own [min, max]: scale = (max − min)/255,
    /// q = round-half-to-even((x − min)/scale). Deterministic: float32 arithmetic in a fixed
    /// order, so the same volume always gives the same bytes. The error is at most half a step
    /// (plus float32 rounding): |x − (offset + q·scale)| ≤ scale/2 · (1 + 2⁻²⁰).
    public static func quantise(_ v: Volume) -> (bytes: [UInt8], quantisation: ArtifactQuantisation) {
        let n = v.sliceSize
        var out = [UInt8](repeating: 0, count: v.data.count)
        var offsets: [Float] = [], scales: [Float] = []
        v.data.withUnsafeBufferPointer { d in
            for k in 0..<v.slices {
                let image = d[(k * n)..<((k + 1) * n)]
                let lo = image.min() ?? 0, hi = image.max() ?? 0
                let scale = (hi - lo) / 255
                offsets.append(lo); scales.append(scale)
                guard scale > 0 else { continue }
                for i in 0..<n {
                    let q = ((d[k * n + i] - lo) / scale).rounded(.toNearestOrEven)
                    out[k * n + i] = UInt8(min(max(q, 0), 255))
                }
            }
        }
        return (out, ArtifactQuantisation(offset: offsets, scale: scales))
    }

    /// The bytes of a volume whose samples are all integers in 0…255 (the segmented images),
    /// stored exactly (offset 0, scale 1); nil when some sample is not.
    public static func exact(_ v: Volume) -> (bytes: [UInt8], quantisation: ArtifactQuantisation)? {
        var out = [UInt8](repeating: 0, count: v.data.count)
        for (i, x) in v.data.enumerated() {
            guard x >= 0, x <= 255, x == x.rounded() else { return nil }
            out[i] = UInt8(x)
        }
        return (out, ArtifactQuantisation(offset: Array(repeating: 0, count: v.slices), scale: Array(repeating: 1, count: v.slices)))
    }

    /// The values a stored volume (samples 0…255, as read from the `.npy.gz`) stands for.
    /// - Throws: `PipelineError(.input)` when the record does not fit the volume (another dtype,
    ///   a different number of images).
    public func dequantise(_ stored: Volume, name: String) throws -> Volume {
        guard dtype == "uint8", offset.count == stored.slices, scale.count == stored.slices else {
            throw PipelineError(.input, "\(name): its quantisation record (\(dtype), \(offset.count) offsets, \(scale.count) scales) does not fit its \(stored.slices) images")
        }
        var out = stored
        let n = stored.sliceSize
        out.data.withUnsafeMutableBufferPointer { d in
            for k in 0..<stored.slices {
                let o = offset[k], s = scale[k]
                for i in (k * n)..<((k + 1) * n) { d[i] = o + d[i] * s }
            }
        }
        return out
    }
}
