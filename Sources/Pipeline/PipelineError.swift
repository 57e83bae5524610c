/// The error type of the `Pipeline` module: a code, the stage it happened in and a one-line,
/// log-safe message.
public struct PipelineError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable { case config, input, stage, model, artifacts, report, database }
    public let code: Code
    public let stage: String?
    public let message: String
    public init(_ code: Code, _ message: String, stage: String? = nil) {
        self.code = code; self.message = message; self.stage = stage
    }
    public var description: String {
        if let stage { return "\(code.rawValue) in stage \(stage): \(message)" }
        return "\(code.rawValue): \(message)"
    }
}
