/// The rows a statement returned, materialised in text form. Value type; cheap to pass around.
public struct PostgresRows: Sendable, Sequence {
    /// Column names in order.
    public let columns: [String]
    let index: [String: Int]
    let values: [String?]   // row-major, rows × columns
    /// Rows affected (from the command tag) for INSERT/UPDATE/DELETE/COPY; 0 otherwise.
    public let affectedRows: Int

    init(columns: [String], values: [String?], affectedRows: Int) {
        self.columns = columns
        var idx: [String: Int] = [:]
        for (i, c) in columns.enumerated() where idx[c] == nil { idx[c] = i }
        self.index = idx
        self.values = values
        self.affectedRows = affectedRows
    }

    /// Number of rows.
    public var count: Int { columns.isEmpty ? 0 : values.count / columns.count }
    public var isEmpty: Bool { count == 0 }
    /// The first row, if any.
    public var first: PostgresRow? { isEmpty ? nil : PostgresRow(rows: self, row: 0) }

    public subscript(row: Int) -> PostgresRow { PostgresRow(rows: self, row: row) }

    public func makeIterator() -> AnyIterator<PostgresRow> {
        var i = 0
        let n = count
        return AnyIterator {
            guard i < n else { return nil }
            defer { i += 1 }
            return PostgresRow(rows: self, row: i)
        }
    }
}

/// One row; decode columns by name with `row.decode(Int64.self, column: "id")`.
public struct PostgresRow: Sendable {
    let rows: PostgresRows
    let row: Int

    /// The raw text of a column (`nil` for NULL).
    /// - Throws: `PostgresError(.decode)` when the column does not exist.
    public func text(column: String) throws -> String? {
        guard let c = rows.index[column] else {
            throw PostgresError(.decode, "no column \"\(column)\" in result (columns: \(rows.columns.joined(separator: ", ")))")
        }
        return rows.values[row * rows.columns.count + c]
    }

    /// Decodes a column as `T`.
    /// - Throws: `PostgresError(.decode)` naming the column and the expected type when the column
    ///   is missing, NULL for a non-optional type, or not representable as `T`.
    public func decode<T: PostgresDecodable>(_ type: T.Type, column: String) throws -> T {
        let raw = try text(column: column)
        guard let v = T.decode(postgresText: raw) else {
            if raw == nil { throw PostgresError(.decode, "column \"\(column)\" is NULL, expected \(T.self)") }
            throw PostgresError(.decode, "column \"\(column)\" cannot be decoded as \(T.self)")
        }
        return v
    }
}
