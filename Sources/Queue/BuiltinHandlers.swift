import Common
import Foundation

/// The handlers that ship with the queue, chosen by the run config's `"handler"` key:
/// - `"checksum"`: `ChecksumHandler` (input exists → size and SHA-256).
/// - `"noop"`: `NoopHandler` (benchmarks: measures the queue alone).
/// - `"test"`: `TestBehaviourHandler` — TEST ONLY; behaviour chosen by the case id.
public enum BuiltinHandlers {
    /// The `"handler"` value of a run's config JSON, or `nil` when absent or not a string.
    public static func handlerName(of run: RunInfo) -> String? {
        guard let obj = try? JSONSerialization.jsonObject(with: Data(run.configJSON.utf8)) as? [String: Any] else { return nil }
        return obj["handler"] as? String
    }

    /// The built-in handler the run's config names, or `nil` when it names none (or another one).
    public static func make(for run: RunInfo) -> (any JobHandler)? {
        switch handlerName(of: run) {
        case "checksum": return ChecksumHandler()
        case "noop": return NoopHandler()
        case "test": return TestBehaviourHandler()
        default: return nil
        }
    }
}

/// Checks that the input exists and records its size and SHA-256 as metrics
/// (`{"input_bytes": N, "input_sha256": "…"}`). A missing or unreadable input is a permanent
/// error; a SHA-256 differing from the one recorded at enqueue time is a permanent error too.
public struct ChecksumHandler: JobHandler {
    public init() {}

    public func handle(_ job: ClaimedJob, run: RunInfo) throws -> JobOutput {
        guard FileManager.default.fileExists(atPath: job.inputPath) else {
            throw JobError.permanent("input not found: \(job.inputPath)")
        }
        let (hex, size): (String, Int64)
        do { (hex, size) = try SHA256.file(at: job.inputPath) } catch {
            throw JobError.permanent("cannot read input: \(error)")
        }
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
