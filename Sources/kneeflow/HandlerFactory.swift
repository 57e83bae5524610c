import Queue

/// Chooses the job handler for a run. The run config's `"handler"` key selects a built-in
/// (`checksum`, `noop`, `test` — the last is for tests only); without the key the checksum
/// handler runs. The imaging chain plugs in here (e.g. `"handler": "pipeline"`).
/// - Throws: `QueueError(.handler)` for an unknown handler name (the job then fails permanently).
func makeHandler(for run: RunInfo) throws -> any JobHandler {
    if let builtin = BuiltinHandlers.make(for: run) { return builtin }
    if let name = BuiltinHandlers.handlerName(of: run) {
        throw QueueError(.handler, "unknown handler \"\(name)\" in the config of run \(run.name)")
    }
    return ChecksumHandler()
}
