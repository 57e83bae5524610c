import CLibPQ
import Foundation
import Logging

/// One libpq connection. Not thread-safe: exactly one thread uses a connection at a time (each
/// worker claim loop and the heartbeat thread own their own). It is marked `@unchecked Sendable`
/// only so that it can be handed to the thread that owns it.
public final class PostgresConnection: @unchecked Sendable {
    /// Produces the connection string anew (a worker following the embedded cluster's running
    /// server); `@Sendable` so a worker's threads can share one.
    public typealias Resolver = @Sendable () throws -> String
    /// The libpq connection string (URL or `key=value` conninfo); never logged.
    var connectionString: String
    /// When set, every reconnect asks it for the connection string again.
    let resolve: Resolver?
    var conn: OpaquePointer?
    let logger: Logger
    /// Channels this connection listens on; re-issued after a reconnect.
    var listening: [String] = []

    /// Connects with a URL (`postgresql://…`) or conninfo string; every libpq option (sslmode,
    /// target_session_attrs, …) passes through unchanged.
    /// - Throws: `PostgresError(.connection)` with libpq's message (which never includes the
    ///   password).
    public init(_ connectionString: String, logger: Logger = Logger(label: "kneeflow.postgres")) throws {
        self.connectionString = connectionString
        self.resolve = nil
        self.logger = logger
        self.conn = try Self.open(connectionString)
    }

    /// Connects with the string `resolver` returns, and asks it again on every `reconnect`.
    /// - Throws: the resolver's error, or `PostgresError(.connection)`.
    public init(resolver: @escaping Resolver, logger: Logger = Logger(label: "kneeflow.postgres")) throws {
        self.connectionString = try resolver()
        self.resolve = resolver
        self.logger = logger
        self.conn = try Self.open(connectionString)
    }

    deinit { if let c = conn { PQfinish(c) } }

    static func open(_ connectionString: String) throws -> OpaquePointer {
        // connect_timeout and application_name come first so the caller's string overrides them.
        let keys = ["connect_timeout", "fallback_application_name", "dbname"]
        let vals = ["10", "kneeflow", connectionString]
        let ck = keys.map { strdup($0) }, cv = vals.map { strdup($0) }
        defer { ck.forEach { free($0) }; cv.forEach { free($0) } }
        var kp: [UnsafePointer<CChar>?] = ck.map { UnsafePointer($0) } + [nil]
        var vp: [UnsafePointer<CChar>?] = cv.map { UnsafePointer($0) } + [nil]
        guard let c = PQconnectdbParams(&kp, &vp, 1) else {
            throw PostgresError(.connection, "out of memory creating a connection")
        }
        if PQstatus(c) != CONNECTION_OK {
            let msg = Self.oneLine(String(cString: PQerrorMessage(c)))
            PQfinish(c)
            throw PostgresError(.connection, msg.isEmpty ? "cannot connect" : msg)
        }
        // Server NOTICEs ("schema already exists, skipping") are not our output: drop them
        // instead of letting libpq print them on stderr.
        PQsetNoticeProcessor(c, { _, _ in }, nil)
        return c
    }

    static func oneLine(_ s: String) -> String {
        s.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: "; ")
    }

    /// The connection string this connection was opened with (tests open siblings with it).
    public var connectionStringForTests: String { connectionString }

    /// True while libpq considers the connection usable.
    public var isConnected: Bool { conn.map { PQstatus($0) == CONNECTION_OK } ?? false }

    /// Closes the connection; further use throws.
    public func close() {
        if let c = conn { PQfinish(c) }
        conn = nil
    }

    func handle() throws -> OpaquePointer {
        guard let c = conn else { throw PostgresError(.connection, "connection is closed") }
        return c
    }

    /// Reconnects, retrying with exponential backoff (0.1 s doubling to 2 s) until it succeeds,
    /// `deadline` passes, or `shouldStop()` returns true. Re-issues LISTEN for every channel.
    /// With a resolver, each attempt resolves the connection string again (the server may have
    /// moved, e.g. an embedded cluster restarted).
    /// - Throws: the last connection error when giving up.
    public func reconnect(deadline: Date = .distantFuture, shouldStop: () -> Bool = { false }) throws {
        close()
        var delay = 0.1
        while true {
            do {
                if let r = resolve { connectionString = try r() }
                conn = try Self.open(connectionString)
                for ch in listening { try execute("LISTEN \(identifier: ch)") }
                logger.info("reconnected to PostgreSQL")
                return
            } catch let e as PostgresError {
                if Date() >= deadline || shouldStop() { throw e }
                logger.warning("reconnect failed, retrying", metadata: ["error": "\(e)", "delay.s": "\(delay)"])
                Thread.sleep(forTimeInterval: delay)
                delay = min(delay * 2, 2)
            }
        }
    }

    /// Runs one statement with bound parameters (PQexecParams) and returns its rows.
    /// - Throws: `PostgresError(.query)` with SQLSTATE and the server's message, or
    ///   `.connection` when the connection is gone.
    @discardableResult
    public func query(_ q: PostgresQuery) throws -> PostgresRows {
        let c = try handle()
        let cstrs: [UnsafeMutablePointer<CChar>?] = q.binds.map { $0.map { strdup($0) } ?? nil }
        defer { cstrs.forEach { free($0) } }
        var params: [UnsafePointer<CChar>?] = cstrs.map { $0.map { UnsafePointer($0) } }
        let res = params.withUnsafeMutableBufferPointer { p in
            PQexecParams(c, q.sql, Int32(q.binds.count), nil, p.baseAddress, nil, nil, 0)
        }
        return try consume(res, expectCopy: false)
    }

    /// Runs a statement and returns the number of rows it affected.
    @discardableResult
    public func execute(_ q: PostgresQuery) throws -> Int { try query(q).affectedRows }

    /// Runs a trusted multi-statement SQL script (PQexec, no parameters). Only for SQL text that
    /// ships with the program (migrations); never build the script from user values.
    public func runScript(_ sql: String) throws {
        let c = try handle()
        _ = try consume(PQexec(c, sql), expectCopy: false)
    }

    func consume(_ res: OpaquePointer?, expectCopy: Bool) throws -> PostgresRows {
        let c = try handle()
        guard let res else {
            throw PostgresError(.connection, Self.oneLine(String(cString: PQerrorMessage(c))))
        }
        defer { PQclear(res) }
        let status = PQresultStatus(res)
        switch status {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK:
            let nf = Int(PQnfields(res)), nt = Int(PQntuples(res))
            var cols: [String] = []
            cols.reserveCapacity(nf)
            for f in 0..<nf { cols.append(String(cString: PQfname(res, Int32(f)))) }
            var vals: [String?] = []
            vals.reserveCapacity(nf * nt)
            for t in 0..<nt {
                for f in 0..<nf {
                    if PQgetisnull(res, Int32(t), Int32(f)) != 0 { vals.append(nil) }
                    else { vals.append(String(cString: PQgetvalue(res, Int32(t), Int32(f)))) }
                }
            }
            let tuples = String(cString: PQcmdTuples(res))
            return PostgresRows(columns: cols, values: vals, affectedRows: Int(tuples) ?? 0)
        default:
            throw Self.error(from: res, conn: c)
        }
    }

    static func error(from res: OpaquePointer, conn: OpaquePointer) -> PostgresError {
        func field(_ ch: Character) -> String? {
            guard let p = PQresultErrorField(res, Int32(ch.asciiValue!)) else { return nil }
            return String(cString: p)
        }
        let state = field("C")
        var msg = field("M") ?? oneLine(String(cString: PQerrorMessage(conn)))
        if let s = state, s.hasPrefix("22") || s.hasPrefix("23") { msg = PostgresError.redactQuoted(msg) }
        if state == nil || PQstatus(conn) != CONNECTION_OK {
            return PostgresError(.connection, oneLine(msg.isEmpty ? "connection lost" : msg), sqlState: state)
        }
        return PostgresError(.query, oneLine(msg), sqlState: state)
    }

    /// BEGIN; runs `body`; COMMIT — or ROLLBACK when `body` throws (the error is rethrown).
    @discardableResult
    public func withTransaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try execute("BEGIN")
        do {
            let v = try body(self)
            try execute("COMMIT")
            return v
        } catch {
            if isConnected { _ = try? execute("ROLLBACK") }
            throw error
        }
    }
}
