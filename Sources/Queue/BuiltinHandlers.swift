import Common
import Foundation

/// The handlers that ship with the queue, by the name a run config's `"handler"` key gives
/// (Pipeline's `RunConfiguration` reads the key):
/// - `"checksum"`: `ChecksumHandler` (input exists → size and SHA-256).
/// - `"noop"`: `NoopHandler` (benchmarks: measures the queue alone).
public enum BuiltinHandlers {
    /// The built-in handler of that name, or `nil` when there is none.
    public static func make(named name: String) -> (any JobHandler)? {
        switch name {
        case "checksum": return ChecksumHandler()
        case "noop": return NoopHandler()
        default: return nil
        }
    }
}

/// Checks that the input exists and records its size and SHA-256 as metrics
/// (`{"input_bytes": N, "input_sha256": "…"}`). The input is read through `ConfinedFile`: one
/// missing, outside its input root or not a regular file is refused (`input_refused`); an
/// unreadable one or a SHA-256 differing from the one recorded at enqueue time is a permanent
/// error.
public struct ChecksumHandler: JobHandler {
    public init() {}

    public func handle(_ job: ClaimedJob, run: RunInfo) throws -> JobOutput {
        let (hex, size): (String, Int64)
        do { (hex, size) = try ConfinedFile.sha256(job.inputPath, under: job.effectiveInputRoot) }
        catch let e as CommonError where e.code == .refused || e.code == .tooLarge { throw JobError.inputRefused("\(e)") }
        catch { throw JobError.permanent("cannot read input: \(error)") }
        if let expected = job.inputSHA256, !expected.isEmpty, expected.lowercased() != hex {
            throw JobError.permanent("input changed since enqueue: sha256 \(hex.prefix(12))… expected \(expected.prefix(12))…")
        }
        let metrics = try CanonicalJSON.string(Metrics(input_bytes: size, input_sha256: hex))
        return JobOutput(probability: nil, metricsJSON: metrics, artifactsJSON: "{}")
    }

    struct Metrics: Encodable { let input_bytes: Int64; let input_sha256: String }
}

/// Does nothing and succeeds (queue benchmarks).
public struct NoopHandler: JobHandler {
    public init() {}
    public func handle(_ job: ClaimedJob, run: RunInfo) throws -> JobOutput { JobOutput() }
}
