import Foundation

/// A Swift value that can be sent to the server as a bound parameter (text format). Conforming
/// types: `String`, `Int`, `Int32`, `Int64`, `Double`, `Bool`, `Date` (as UTC timestamptz),
/// `UUID`, and `Optional` of any of these (`nil` → SQL NULL).
public protocol PostgresBindable: Sendable {
    /// The parameter's text representation, or `nil` for SQL NULL.
    var postgresText: String? { get }
}

extension String: PostgresBindable { public var postgresText: String? { self } }
extension Int: PostgresBindable { public var postgresText: String? { String(self) } }
extension Int32: PostgresBindable { public var postgresText: String? { String(self) } }
extension Int64: PostgresBindable { public var postgresText: String? { String(self) } }
extension Bool: PostgresBindable { public var postgresText: String? { self ? "t" : "f" } }
extension UUID: PostgresBindable { public var postgresText: String? { uuidString.lowercased() } }

extension Double: PostgresBindable {
    public var postgresText: String? {
        if isNaN { return "NaN" }
        if isInfinite { return self > 0 ? "Infinity" : "-Infinity" }
        return "\(self)"
    }
}

extension Date: PostgresBindable {
    /// Seconds since the epoch, sent through `to_timestamp` semantics as an ISO-8601 UTC string.
    public var postgresText: String? { PostgresTimestamp.format(self) }
}

extension Optional: PostgresBindable where Wrapped: PostgresBindable {
    public var postgresText: String? {
        switch self {
        case .none: return nil
        case .some(let v): return v.postgresText
        }
    }
}
