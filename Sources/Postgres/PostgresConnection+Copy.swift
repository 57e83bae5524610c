import CLibPQ
import Foundation

/// Rows for `COPY … FROM STDIN` in text format; fields are escaped here.
public struct CopyWriter {
    var buffer: [UInt8] = []
    let flush: ([UInt8]) throws -> Void
    /// Rows written so far.
    public private(set) var rows = 0

    init(flush: @escaping ([UInt8]) throws -> Void) {
        self.flush = flush
        buffer.reserveCapacity(1 << 16)
    }

    /// Appends one row; `nil` fields are NULL.
    public mutating func append(_ fields: [String?]) throws {
        for (i, f) in fields.enumerated() {
            if i > 0 { buffer.append(9) }
            guard let f else { buffer.append(92); buffer.append(78); continue }   // \N
            for b in f.utf8 {
                switch b {
                case 92: buffer.append(92); buffer.append(92)
                case 9: buffer.append(92); buffer.append(116)
                case 10: buffer.append(92); buffer.append(110)
                case 13: buffer.append(92); buffer.append(114)
                default: buffer.append(b)
                }
            }
        }
        buffer.append(10)
        rows += 1
        if buffer.count >= 1 << 16 { try flush(buffer); buffer.removeAll(keepingCapacity: true) }
    }
}

extension PostgresConnection {
    /// Bulk-loads rows with `COPY … FROM STDIN` (text format). `statement` must be a COPY FROM
    /// STDIN statement (table and column list are SQL text, not values).
    /// - Returns: rows the server reports as copied.
    /// - Throws: `PostgresError(.copy)` or the server's error for bad rows.
    @discardableResult
    public func copyIn(_ statement: PostgresQuery, _ produce: (inout CopyWriter) throws -> Void) throws -> Int {
        let c = try handle()
        let res = PQexecParams(c, statement.sql, 0, nil, nil, nil, nil, 0)
        guard let res else { throw PostgresError(.connection, Self.oneLine(String(cString: PQerrorMessage(c)))) }
        if PQresultStatus(res) != PGRES_COPY_IN {
            defer { PQclear(res) }
            throw Self.error(from: res, conn: c)
        }
        PQclear(res)
        var writer = CopyWriter { bytes in
            let rc = bytes.withUnsafeBufferPointer { p in
                p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: p.count) {
                    PQputCopyData(c, $0, Int32(p.count))
                }
            }
            if rc != 1 { throw PostgresError(.copy, Self.oneLine(String(cString: PQerrorMessage(c)))) }
        }
        var failure: Error?
        do {
            try produce(&writer)
            if !writer.buffer.isEmpty { try writer.flush(writer.buffer) }
        } catch { failure = error }
        if let failure {
            _ = PQputCopyEnd(c, "aborted by client")
            while let r = PQgetResult(c) { PQclear(r) }
            throw failure
        }
        guard PQputCopyEnd(c, nil) == 1 else {
            throw PostgresError(.copy, Self.oneLine(String(cString: PQerrorMessage(c))))
        }
        var copied = 0
        var err: PostgresError?
        while let r = PQgetResult(c) {
            if PQresultStatus(r) == PGRES_COMMAND_OK { copied = Int(String(cString: PQcmdTuples(r))) ?? 0 }
            else if err == nil { err = Self.error(from: r, conn: c) }
            PQclear(r)
        }
        if let err { throw err }
        return copied
    }
}
