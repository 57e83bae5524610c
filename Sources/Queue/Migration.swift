import Common

/// One forward-only schema migration, `sql/NNN_name.sql`, embedded in the binary
/// by SwiftPM (see `Migration+All.swift`).
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// File name in sql/: `001_schema.sql`.
    public var fileName: String {
        let v = String(version)
        return String(repeating: "0", count: max(0, 3 - v.count)) + v + "_" + name + ".sql"
    }

    /// SHA-256 (hex) of the SQL text; stored with the version row, compared on every migrate.
    public var checksum: String { SHA256.hex(string: sql) }
}
