import Foundation
import Pipeline
import Queue
import TestHandlers

/// Chooses the job handler for a run from its `RunConfiguration`: a built-in queue handler
/// (`checksum`, `noop`) or the imaging chain (and the classifier when the run has a model). The
/// test-only handler `test` exists only when the worker's environment sets
/// `KNEEFLOW_TEST_HANDLERS=1` (the test suite does), so no run config can select it in production;
/// with it, `KNEEFLOW_TEST_JOB_DELAY_MS` delays every job (`DelayedHandler`, the multi-host test).
/// - Throws: `QueueError(.handler)` for an unknown built-in name; `PipelineError` for an invalid
///   configuration or an unusable model (the worker then fails the run's jobs permanently with
///   that reason).
func makeHandler(for run: RunInfo, artifactRoot: String) throws -> any JobHandler {
    let handler = try configuredHandler(for: run, artifactRoot: artifactRoot)
    if let delay = DelayedHandler.delay(in: ProcessInfo.processInfo.environment) {
        return DelayedHandler(inner: handler, delay: delay)
    }
    return handler
}

private func configuredHandler(for run: RunInfo, artifactRoot: String) throws -> any JobHandler {
    switch try RunConfiguration.of(run) {
    case .builtin(let name):
        if name == TestBehaviourHandler.name, TestBehaviourHandler.isEnabled(ProcessInfo.processInfo.environment) {
            return TestBehaviourHandler()
        }
        guard let handler = BuiltinHandlers.make(named: name) else {
            throw QueueError(.handler, "unknown handler \"\(name)\" in the config of run \(run.name)")
        }
        return handler
    case .pipeline:
        return try ChainHandler(run: run, artifactRoot: artifactRoot)
    }
}
