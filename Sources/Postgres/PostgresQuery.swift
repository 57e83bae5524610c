/// A SQL statement whose interpolated values become bound parameters: `"… WHERE id = \(id)"`
/// is sent as `… WHERE id = $1` with `id` bound separately, so no value is ever spliced into SQL
/// text. Identifiers (e.g. a database name) can be interpolated with `\(identifier: name)`, which
/// quotes them with PostgreSQL's double-quote rules.
public struct PostgresQuery: ExpressibleByStringInterpolation, Sendable, CustomStringConvertible {
    /// SQL text with `$1…$n` placeholders.
    public private(set) var sql: String
    /// Parameter values in text format (`nil` = NULL).
    public private(set) var binds: [String?]

    public init(stringLiteral value: String) {
        sql = value
        binds = []
    }

    public init(stringInterpolation: StringInterpolation) {
        sql = stringInterpolation.sql
        binds = stringInterpolation.binds
    }

    /// A statement with explicit `$n` placeholders and values.
    public init(unsafeSQL sql: String, binds: [String?] = []) {
        self.sql = sql
        self.binds = binds
    }

    /// The SQL text only (never the values), for logs.
    public var description: String { sql }

    public struct StringInterpolation: StringInterpolationProtocol {
        var sql = ""
        var binds: [String?] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
        }

        public mutating func appendLiteral(_ literal: String) { sql += literal }

        /// Binds a value as the next `$n` parameter.
        public mutating func appendInterpolation<T: PostgresBindable>(_ value: T) {
            binds.append(value.postgresText)
            sql += "$\(binds.count)"
        }

        /// Binds an optional value (`nil` → NULL) as the next `$n` parameter.
        public mutating func appendInterpolation<T: PostgresBindable>(_ value: T?) {
            binds.append(value.flatMap { $0.postgresText })
            sql += "$\(binds.count)"
        }

        /// Appends a quoted identifier (`"name"`, embedded quotes doubled).
        public mutating func appendInterpolation(identifier: String) {
            sql += PostgresQuery.quoteIdentifier(identifier)
        }
    }

    /// Quotes an identifier with double quotes, doubling embedded quotes.
    public static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
