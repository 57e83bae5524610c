/// The error type of the `Phantom` module: a code plus a one-line, log-safe message.
public struct PhantomError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of problem it is.
    public enum Code: String, Sendable {
        case argument   // invalid cohort specification (counts, sizes, fractions, names)
        case io         // a file could not be written
    }
    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) { self.code = code; self.message = message }

    public var description: String { "\(code.rawValue): \(message)" }
}
