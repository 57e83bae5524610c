import Foundation

/// A Swift type a column's text value can be decoded into. `Optional` conforms when its wrapped
/// type does: NULL decodes to `nil`; for non-optional types NULL is a decode error.
public protocol PostgresDecodable {
    /// Decodes a value from its text form; `text` is `nil` for SQL NULL. Returns `nil` when the
    /// value cannot be represented (the caller turns that into a `PostgresError(.decode)`).
    static func decode(postgresText text: String?) -> Self?
}

extension String: PostgresDecodable {
    public static func decode(postgresText text: String?) -> String? { text }
}
extension Int64: PostgresDecodable {
    public static func decode(postgresText text: String?) -> Int64? { text.flatMap { Int64($0) } }
}
extension Int: PostgresDecodable {
    public static func decode(postgresText text: String?) -> Int? { text.flatMap { Int($0) } }
}
extension Int32: PostgresDecodable {
    public static func decode(postgresText text: String?) -> Int32? { text.flatMap { Int32($0) } }
}
extension Double: PostgresDecodable {
    public static func decode(postgresText text: String?) -> Double? {
        guard let t = text else { return nil }
        switch t {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default: return Double(t)
        }
    }
}
extension Bool: PostgresDecodable {
    public static func decode(postgresText text: String?) -> Bool? {
        switch text { case "t": return true; case "f": return false; default: return nil }
    }
}
extension UUID: PostgresDecodable {
    public static func decode(postgresText text: String?) -> UUID? { text.flatMap { UUID(uuidString: $0) } }
}
extension Date: PostgresDecodable {
    public static func decode(postgresText text: String?) -> Date? { text.flatMap { PostgresTimestamp.parse($0) } }
}
extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public static func decode(postgresText text: String?) -> Wrapped?? {
        guard let t = text else { return .some(nil) }
        guard let v = Wrapped.decode(postgresText: t) else { return nil }
        return .some(v)
    }
}
