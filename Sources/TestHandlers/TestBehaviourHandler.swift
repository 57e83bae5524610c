import Foundation
import Queue

/// TEST ONLY (run config `{"handler":"test"}`, honoured only when the worker's environment sets
/// `KNEEFLOW_TEST_HANDLERS=1`): behaviour is chosen by the case id's prefix, so multi-process
/// tests can make `kneeflow work` sleep, fail or crash on demand.
/// - `sleep<MS>-…`: sleep MS milliseconds, then succeed.
/// - `transient-…`: always throw `JobError.transient("transient failure for <case>")`.
/// - `permanent-…`: throw `JobError.permanent("permanent failure for <case>")`.
/// - `poison-…`: throw an error that is not a `JobError` (counts as transient).
/// - `flaky<N>-…`: throw transient on attempts < N, then succeed.
/// - `hang-…`: on the first attempt sleep 600 s (to be killed or stopped), later succeed at once.
/// - anything else: succeed at once.
/// Success records probability = label (or 0.5) and metrics `{"attempt": N, "pid": P}`.
public struct TestBehaviourHandler: JobHandler {
    public init() {}

    /// The `"handler"` name that selects it.
    public static let name = "test"

    /// Whether an environment enables it (`KNEEFLOW_TEST_HANDLERS=1`).
    public static func isEnabled(_ environment: [String: String]) -> Bool {
        environment["KNEEFLOW_TEST_HANDLERS"] == "1"
    }

    struct Poison: Error, CustomStringConvertible { let caseId: String; var description: String { "poison pill for \(caseId)" } }

    public func handle(_ job: ClaimedJob, run: RunInfo) throws -> JobOutput {
        let c = job.caseId
        if c.hasPrefix("transient-") { throw JobError.transient("transient failure for \(c)") }
        if c.hasPrefix("permanent-") { throw JobError.permanent("permanent failure for \(c)") }
        if c.hasPrefix("poison-") { throw Poison(caseId: c) }
        if c.hasPrefix("flaky"), let n = Self.number(after: "flaky", in: c), job.attempt < n {
            throw JobError.transient("flaky attempt \(job.attempt) of \(c)")
        }
        if c.hasPrefix("hang-"), job.attempt == 1 { Thread.sleep(forTimeInterval: 600) }
        if c.hasPrefix("sleep"), let ms = Self.number(after: "sleep", in: c) {
            Thread.sleep(forTimeInterval: Double(ms) / 1000)
        }
        return JobOutput(probability: job.label.map(Double.init) ?? 0.5,
                         metricsJSON: "{\"attempt\": \(job.attempt), \"pid\": \(getpid())}", artifactsJSON: "{}")
    }

    static func number(after prefix: String, in s: String) -> Int? {
        let rest = s.dropFirst(prefix.count)
        return Int(rest.prefix { $0.isNumber })
    }
}
