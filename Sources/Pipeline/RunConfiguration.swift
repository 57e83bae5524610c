import Common
import Foundation
import Queue

/// What a run's stored configuration asks its workers to do: a built-in queue handler, named by
/// the config's `"handler"` key (`{"handler": "checksum"}`), or the imaging pipeline
/// (`PipelineConfig`, every other object). The one place that looks at the `"handler"` key and
/// the one place a run's `PipelineConfig` is decoded: `of(_:)` decodes each run's text once per
/// process.
public enum RunConfiguration: Sendable, Equatable {
    /// A built-in handler of the queue, by name (whether it exists is the handler factory's call).
    case builtin(name: String)
    /// The per-volume imaging chain with this configuration.
    case pipeline(PipelineConfig)

    /// Parses configuration text.
    /// - Throws: `PipelineError(.config)` when the text is not a JSON object, its `"handler"` is
    ///   not a string, or it is not a valid `PipelineConfig`.
    public static func parse(json: String) throws -> RunConfiguration {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw PipelineError(.config, "the run configuration is not a JSON object")
        }
        if let handler = object["handler"] {
            guard let name = handler as? String else {
                throw PipelineError(.config, "the run configuration's \"handler\" is not a string")
            }
            return .builtin(name: name)
        }
        return .pipeline(try PipelineConfig.decode(json: json))
    }

    /// The configuration of a run, parsed once per process and configuration text.
    public static func of(_ run: RunInfo) throws -> RunConfiguration {
        if let known = cache.withLock({ $0[run.configJSON] }) { return try known.get() }
        let parsed = Result { try parse(json: run.configJSON) }
        cache.withLock { $0[run.configJSON] = parsed }
        return try parsed.get()
    }

    private static let cache = Locked([String: Result<RunConfiguration, any Error>]())
}

extension PipelineConfig {
    /// The pipeline configuration of a run (decoded once per process).
    /// - Throws: `PipelineError(.config)` when the run's configuration is invalid or names a
    ///   built-in handler instead.
    public static func of(_ run: RunInfo) throws -> PipelineConfig {
        switch try RunConfiguration.of(run) {
        case .pipeline(let config): return config
        case .builtin(let name):
            throw PipelineError(.config, "run \(run.name.prefix(80)) runs the built-in handler \"\(name)\", not the pipeline")
        }
    }
}
