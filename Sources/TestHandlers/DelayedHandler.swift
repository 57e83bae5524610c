import Foundation
import Queue

/// TEST ONLY (honoured only when the worker's environment sets `KNEEFLOW_TEST_HANDLERS=1` and
/// `KNEEFLOW_TEST_JOB_DELAY_MS=N`): waits N milliseconds before running the run's real handler, so
/// a multi-host test can cut a worker's network while it is surely inside a job of the real chain.
public struct DelayedHandler: JobHandler {
    public let inner: any JobHandler
    public let delay: Double

    /// The delay an environment asks for, or `nil` (not enabled, unset or not a number).
    public static func delay(in environment: [String: String]) -> Double? {
        guard TestBehaviourHandler.isEnabled(environment),
              let ms = environment["KNEEFLOW_TEST_JOB_DELAY_MS"].flatMap(Int.init), ms > 0 else { return nil }
        return Double(ms) / 1000
    }

    public init(inner: any JobHandler, delay: Double) {
        self.inner = inner
        self.delay = delay
    }

    public func handle(_ job: ClaimedJob, run: RunInfo) throws -> JobOutput {
        Thread.sleep(forTimeInterval: delay)
        return try inner.handle(job, run: run)
    }
}
