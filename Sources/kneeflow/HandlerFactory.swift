import Pipeline
import Queue

/// Chooses the job handler for a run. A run config with a `"handler"` key selects a built-in
/// queue handler (`checksum`, `noop`, `test` — the last for tests only); any other config is a
/// pipeline configuration and runs the imaging chain (and the classifier when the run has a model).
/// - Throws: `QueueError(.handler)` for an unknown built-in name; `PipelineError` for an invalid
///   pipeline configuration or an unusable model (the worker then fails the run's jobs
///   permanently with that reason).
func makeHandler(for run: RunInfo, artifactRoot: String) throws -> any JobHandler {
    if let builtin = BuiltinHandlers.make(for: run) { return builtin }
    if let name = BuiltinHandlers.handlerName(of: run) {
        throw QueueError(.handler, "unknown handler \"\(name)\" in the config of run \(run.name)")
    }
    return try ChainHandler(run: run, artifactRoot: artifactRoot)
}
