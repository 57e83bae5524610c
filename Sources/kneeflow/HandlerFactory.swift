import Foundation
import Pipeline
import Queue
import TestHandlers

/// Chooses the job handler for a run from its `RunConfiguration`: a built-in queue handler
/// (`checksum`, `noop`) or the imaging chain (and the classifier when the run has a model). The
/// test-only handler `test` exists only when the process's environment sets
/// `KNEEFLOW_TEST_HANDLERS=1` (the test suite does): a worker without it fails such a run's jobs
/// permanently, and `enqueue` without it refuses such a configuration (`checkBuiltin`), so no
/// production run config can select it. With it, `KNEEFLOW_TEST_JOB_DELAY_MS` delays every job
/// (`DelayedHandler`, the multi-host test).
/// - Throws: `QueueError(.handler)` for an unknown built-in name; `PipelineError` for an invalid
///   configuration or an unusable model (the worker then fails the run's jobs permanently with
///   that reason).
func makeHandler(for run: RunInfo, artifactRoot: String,
                 environment: [String: String] = ProcessInfo.processInfo.environment) throws -> any JobHandler {
    let handler = try configuredHandler(for: run, artifactRoot: artifactRoot, environment: environment)
    if let delay = DelayedHandler.delay(in: environment) {
        return DelayedHandler(inner: handler, delay: delay)
    }
    return handler
}

private func configuredHandler(for run: RunInfo, artifactRoot: String, environment: [String: String]) throws -> any JobHandler {
    switch try RunConfiguration.of(run) {
    case .builtin(let name):
        if name == TestBehaviourHandler.name, TestBehaviourHandler.isEnabled(environment) {
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

/// Refuses, at enqueue, a built-in handler name a worker in the same environment would not run:
/// unknown names, and `test` unless `KNEEFLOW_TEST_HANDLERS=1`.
/// - Throws: `QueueError(.handler)`.
func checkBuiltin(_ name: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
    if name == TestBehaviourHandler.name {
        guard TestBehaviourHandler.isEnabled(environment) else {
            throw QueueError(.handler, "handler \"test\" is test-only (enabled by KNEEFLOW_TEST_HANDLERS=1 in the test suite); a production run cannot use it")
        }
        return
    }
    guard BuiltinHandlers.make(named: name) != nil else {
        throw QueueError(.handler, "unknown handler \"\(name)\" (built-in handlers: checksum, noop; without \"handler\" the config is a pipeline configuration)")
    }
}
