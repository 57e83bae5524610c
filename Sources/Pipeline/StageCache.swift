import Common
import Foundation
import Imaging

/// What identifies the preprocessing stages' outputs of one job (NMF, slice preprocessing,
/// segmentation, and the artifacts written from them): the stage cache's key, in clear.
///
/// Why these fields and no others: the outputs are a function of the input's bytes, how they are
/// read (plane, storage axis, negative-sample policy), the preprocessing options of the job's
/// dataset, how artifacts are stored (format, whether a preview is written) and the code that
/// computed them (the executable's SHA-256, the C kernels' instruction-set path on this CPU, OpenBLAS's configuration, and OpenBLAS's thread
/// count for the solvers whose rounding depends on it). The variant, the model, the classifier,
/// the run's name and the cache flag do not change them, so runs that differ only there share
/// entries. The read stage's memory budget is left out: it decides whether a volume is read, not
/// its values (a job either fails or produces the same outputs).
public struct StageCacheKey: Codable, Sendable, Equatable {
    /// Schema version of this structure (bump when the stored outputs change meaning).
    public var version = 1
    /// SHA-256 of the input as the read stage read (and checked) it.
    public var inputSHA256: String
    public var plane: AnatomicalPlane
    public var sliceAxis: Int?
    public var negativeSamples: NegativeSamplePolicy
    /// The effective options for the job's dataset (its kept cluster range applied).
    public var preprocess: PreprocessOptions
    public var artifactFormat: ArtifactFormat
    public var preview: Bool
    /// SHA-256 of the running executable (`/proc/self/exe`).
    public var executableSHA256: String
    /// `BLAS.configuration`.
    public var openBLAS: String
    /// `BLAS.kernelPath`: the instruction-set clone of KneeFlow's C kernels this CPU runs, the
    /// CPU vendor class and the glibc version (the wider clones fuse multiply-adds, so the same
    /// executable may round differently on another CPU).
    public var kernels: String
    /// OpenBLAS's thread count, only for the NMF solvers that use threaded sgemm (`halsGemm`,
    /// `multiplicative`); the default `hals` solver's results do not depend on it (nil).
    public var blasThreads: Int?

    /// The key of one job's stages under a run's configuration.
    public init(config: PipelineConfig, dataset: String, inputSHA256: String, code: CodeIdentity = .current) {
        self.inputSHA256 = inputSHA256
        plane = config.plane
        sliceAxis = config.sliceAxis
        negativeSamples = config.negativeSamples
        preprocess = config.preprocessOptions(dataset: dataset)
        artifactFormat = config.effectiveArtifactFormat
        preview = config.writePreview
        executableSHA256 = code.executableSHA256
        openBLAS = code.openBLAS
        kernels = code.kernelPath
        blasThreads = preprocess.nmf.solver == .hals ? nil : code.blasThreads()
    }

    /// SHA-256 (hex) of the canonical JSON of these fields: the entry's directory name.
    public func hex() throws -> String { SHA256.hex(string: try CanonicalJSON.string(self)) }
}

/// The code that computes stage outputs, for `StageCacheKey`.
public struct CodeIdentity: Sendable {
    public var executableSHA256: String
    public var openBLAS: String
    /// `BLAS.kernelPath`.
    public var kernelPath: String
    /// Read when a key is made (a worker may change it between processes, not between jobs).
    public var blasThreads: @Sendable () -> Int

    public init(executableSHA256: String, openBLAS: String, kernelPath: String = BLAS.kernelPath,
                blasThreads: @escaping @Sendable () -> Int = { BLAS.threads }) {
        self.executableSHA256 = executableSHA256; self.openBLAS = openBLAS; self.kernelPath = kernelPath
        self.blasThreads = blasThreads
    }

    /// This process's identity. The executable is hashed once, on first use (≈ 30 ms for a
    /// release binary); when `/proc/self/exe` cannot be read the identity is a fresh random
    /// value, so the process never matches (or publishes for) another's entries by accident.
    public static let current: CodeIdentity = {
        let exe = (try? SHA256.file(at: "/proc/self/exe").hex) ?? "unreadable-" + UUID().uuidString
        return CodeIdentity(executableSHA256: exe, openBLAS: BLAS.configuration)
    }()
}

/// Whether a job's preprocessing came from the stage cache: `cache` in the job's metrics.
public struct CacheRecord: Codable, Sendable, Equatable {
    /// `StageCacheKey.hex()`.
    public var key: String
    /// True when the stages' outputs were reused (NMF, slice, segmentation not run).
    public var reused: Bool
    /// The entry used or published, relative to the artifact root (nil: none).
    public var entry: String?
    /// True when the run was enqueued with `--no-cache` (no entry read or published).
    public var disabled: Bool?
    /// Anything out of the ordinary: a damaged entry recomputed, files copied instead of
    /// hard-linked, an entry that could not be published.
    public var notes: [String]?

    public init(key: String, reused: Bool, entry: String? = nil, disabled: Bool? = nil, notes: [String]? = nil) {
        self.key = key; self.reused = reused; self.entry = entry; self.disabled = disabled; self.notes = notes
    }

    mutating func note(_ text: String) { notes = (notes ?? []) + [text] }
}

/// What the stages after segmentation use of the preprocessing, however it was obtained:
/// images as stored (`ArtifactWriter.write` returns them; a reused entry's files are read back),
/// masks, and the chain's metrics.
struct StageOutputs {
    /// NMF base images, the values their stored file stands for.
    var base: Volume
    /// Segmented base images (stored exactly in both formats).
    var segmented: Volume
    /// Foreground masks, 0/1, K·h·w.
    var masks: [UInt8]
    var metrics: PreprocessMetrics

    /// Pixels in the foreground of any base image (h×w, 0/1), as `PreprocessResult.foregroundUnion`.
    var foregroundUnion: [UInt8] { PreprocessResult.foregroundUnion(masks: masks, height: base.height, width: base.width) }

    var landmarks: KneeLandmarks { KneeLandmarks(foreground: foregroundUnion, anchor: metrics.kneeAnchor) }
}
