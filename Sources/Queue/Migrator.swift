import Logging
import Postgres

/// Applies migrations forward-only: under a session advisory lock (so concurrent starters
/// serialise), each pending migration runs in its own transaction together with its version row
/// and checksum; an applied migration whose text changed is refused.
public struct Migrator: Sendable {
    /// Advisory lock key guarding migrations (arbitrary, fixed).
    public static let lockKey: Int64 = 7_468_930_001
    public let migrations: [Migration]
    let logger: Logger

    public init(migrations: [Migration] = Migration.all, logger: Logger = Logger(label: "kneeflow.migrate")) {
        self.migrations = migrations.sorted { $0.version < $1.version }
        self.logger = logger
    }

    /// Applies every pending migration.
    /// - Returns: the versions applied by this call (empty when the schema was current).
    /// - Throws: `QueueError(.migration)` for an edited applied migration or a database that has
    ///   versions this binary does not know; `PostgresError` from the server.
    @discardableResult
    public func migrate(_ conn: PostgresConnection) throws -> [Int] {
        try conn.query("SELECT pg_advisory_lock(\(Self.lockKey))")
        defer { _ = try? conn.query("SELECT pg_advisory_unlock(\(Self.lockKey))") }
        try conn.execute("CREATE SCHEMA IF NOT EXISTS kneeflow")
        try conn.execute("""
            CREATE TABLE IF NOT EXISTS kneeflow.schema_migrations (
                version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now())
            """)
        var applied: [Int: String] = [:]
        for row in try conn.query("SELECT version, checksum FROM kneeflow.schema_migrations") {
            applied[try row.decode(Int.self, column: "version")] = try row.decode(String.self, column: "checksum")
        }
        let known = Set(migrations.map(\.version))
        if let unknown = applied.keys.filter({ !known.contains($0) }).max() {
            throw QueueError(.migration, "database has migration \(unknown), which this kneeflow does not know (newer schema)")
        }
        var done: [Int] = []
        for m in migrations {
            if let sum = applied[m.version] {
                guard sum == m.checksum else {
                    throw QueueError(.migration, "migration \(m.fileName) was edited after it was applied (checksum \(sum.prefix(12))… in the database, \(m.checksum.prefix(12))… now); add a new migration instead")
                }
                continue
            }
            try conn.withTransaction { c in
                try c.runScript(m.sql)
                try c.execute("INSERT INTO kneeflow.schema_migrations (version, name, checksum) VALUES (\(m.version), \(m.name), \(m.checksum))")
            }
            logger.info("applied migration", metadata: ["migration": "\(m.fileName)"])
            done.append(m.version)
        }
        return done
    }

    /// Applied versions with their checksums, in order.
    public func applied(_ conn: PostgresConnection) throws -> [(version: Int, name: String)] {
        let exists = try conn.query("SELECT to_regclass('kneeflow.schema_migrations') IS NOT NULL AS present")
        guard try exists.first?.decode(Bool.self, column: "present") == true else { return [] }
        return try conn.query("SELECT version, name FROM kneeflow.schema_migrations ORDER BY version").map {
            (try $0.decode(Int.self, column: "version"), try $0.decode(String.self, column: "name"))
        }
    }
}
