/// The error type of the `Common` module: a code plus a one-line, log-safe description.
public struct CommonError: ModuleError {
    /// What went wrong, coarsely.
    public enum Code: String, Sendable { case io, encoding }
    public let code: Code
    public let message: String
    public init(_ code: Code, _ message: String) { self.code = code; self.message = message }
}
