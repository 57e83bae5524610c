/// The error type of the `Postgres` module: a code, the server's SQLSTATE when there is one, and a
/// one-line message that is safe to log. Bind values and passwords never appear in it: libpq's
/// connection errors are reported without the connection string, and data-exception messages
/// (SQLSTATE classes 22 and 23, which may quote a value) have quoted text redacted.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, coarsely.
    public enum Code: String, Sendable {
        /// Could not connect, or the connection broke.
        case connection
        /// The server rejected a statement.
        case query
        /// A column could not be decoded as the requested type, or does not exist.
        case decode
        /// COPY failed.
        case copy
        /// The embedded cluster could not be found, initialised or started.
        case cluster
        /// A timeout elapsed (e.g. waiting for the server to come back).
        case timeout
    }

    public let code: Code
    /// Five-character SQLSTATE from the server, when the server produced the error.
    public let sqlState: String?
    /// One-line, log-safe message.
    public let message: String

    public init(_ code: Code, _ message: String, sqlState: String? = nil) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
    }

    public var description: String {
        if let s = sqlState { return "postgres \(code.rawValue) [\(s)]: \(message)" }
        return "postgres \(code.rawValue): \(message)"
    }

    /// True when the error means the connection is unusable (class 08, admin shutdown, crash
    /// recovery, or a broken socket), so the caller should reconnect and retry.
    public var isConnectionLoss: Bool {
        if code == .connection { return true }
        guard let s = sqlState else { return false }
        return s.hasPrefix("08") || s == "57P01" || s == "57P02" || s == "57P03"
    }

    /// Removes `"…"` quoted segments (which may contain user data) from a server message.
    static func redactQuoted(_ message: String) -> String {
        var out = ""
        var inQuote = false
        for ch in message {
            if ch == "\"" {
                if !inQuote { out += "\"…\"" }
                inQuote.toggle()
            } else if !inQuote {
                out.append(ch)
            }
        }
        return out
    }
}
