/// The shape every module's error type shares: a `Code`, a one-line message and, where one is
/// involved, a file. Its `description` — `code: [file: ]message` — is safe to log.
public protocol ModuleError: Error, CustomStringConvertible, Sendable {
    associatedtype Code: RawRepresentable where Code.RawValue == String
    /// What kind of problem it is.
    var code: Code { get }
    /// One line saying what happened (no bind values, no passwords).
    var message: String { get }
    /// The file involved, if any.
    var file: String? { get }
}

extension ModuleError {
    public var file: String? { nil }

    public var description: String {
        if let file { return "\(code.rawValue): \(file): \(message)" }
        return "\(code.rawValue): \(message)"
    }
}
