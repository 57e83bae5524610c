import Logging
import Postgres

/// Applies migrations forward-only: each pending migration runs in its own transaction together
/// with its version row and checksum, under a transaction-scoped advisory lock (so concurrent
/// starters serialise, and so it works through PgBouncer's transaction pooling, where a session
/// lock could be taken on one server connection and "released" on another); an applied
/// migration whose text changed is refused.
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
        // A current schema needs no lock and no DDL, so a coordinator login (no CREATE on the
        // database) runs enqueue/report against a database its administrator migrated.
        if case .current = try? status(conn) { return [] }
        var applied = try conn.withTransaction { c -> [Int: String] in
            try c.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))")
            try c.execute("CREATE SCHEMA IF NOT EXISTS kneeflow")
            try c.execute("""
                CREATE TABLE IF NOT EXISTS kneeflow.schema_migrations (
                    version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """)
            return try Self.appliedChecksums(c)
        }
        let known = Set(migrations.map(\.version))
        if let unknown = applied.keys.filter({ !known.contains($0) }).max() {
            throw QueueError(.migration, "database has migration \(unknown), which this kneeflow does not know (newer schema)")
        }
        var done: [Int] = []
        for m in migrations {
            if let sum = applied[m.version] {
                try check(m, sum)
                continue
            }
            let ran = try conn.withTransaction { c -> Bool in
                try c.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))")
                applied = try Self.appliedChecksums(c)   // another starter may have applied it meanwhile
                if let sum = applied[m.version] { try check(m, sum); return false }
                try c.runScript(m.sql)
                try c.execute("INSERT INTO kneeflow.schema_migrations (version, name, checksum) VALUES (\(m.version), \(m.name), \(m.checksum))")
                return true
            }
            if ran {
                logger.info("applied migration", metadata: ["migration": "\(m.fileName)"])
                done.append(m.version)
            }
        }
        return done
    }

    func check(_ m: Migration, _ sum: String) throws {
        guard sum == m.checksum else {
            throw QueueError(.migration, "migration \(m.fileName) was edited after it was applied (checksum \(sum.prefix(12))… in the database, \(m.checksum.prefix(12))… now); add a new migration instead")
        }
    }

    static func appliedChecksums(_ c: PostgresConnection) throws -> [Int: String] {
        var applied: [Int: String] = [:]
        for row in try c.query("SELECT version, checksum FROM kneeflow.schema_migrations") {
            applied[try row.decode(Int.self, column: "version")] = try row.decode(String.self, column: "checksum")
        }
        return applied
    }

    /// Applied versions with their checksums, in order.
    public func applied(_ conn: PostgresConnection) throws -> [(version: Int, name: String)] {
        let exists = try conn.query("SELECT to_regclass('kneeflow.schema_migrations') IS NOT NULL AS present")
        guard try exists.first?.decode(Bool.self, column: "present") == true else { return [] }
        return try conn.query("SELECT version, name FROM kneeflow.schema_migrations ORDER BY version").map {
            (try $0.decode(Int.self, column: "version"), try $0.decode(String.self, column: "name"))
        }
    }

    /// Where a database's schema stands relative to this binary's migrations.
    public enum Status: Equatable, Sendable {
        /// Every known migration is applied with its checksum, and nothing else.
        case current
        /// No `kneeflow.schema_migrations` (never migrated).
        case unmigrated
        /// Some known migrations are not applied yet (the highest applied version, or 0).
        case behind(applied: Int, expected: Int)
        /// The database has a migration this binary does not know.
        case newer(applied: Int, expected: Int)
        /// An applied migration's checksum differs from this binary's text.
        case edited(version: Int)
    }

    /// Reads `kneeflow.schema_migrations` (the worker role may SELECT it) without changing
    /// anything.
    /// - Throws: `PostgresError` other than "no such schema/table" (e.g. 42501 when the role may
    ///   not read it).
    public func status(_ conn: PostgresConnection) throws -> Status {
        let rows: PostgresRows
        do {
            rows = try conn.query("SELECT version, checksum FROM kneeflow.schema_migrations")
        } catch let e as PostgresError where e.sqlState == "42P01" || e.sqlState == "3F000" {
            return .unmigrated
        }
        var applied: [Int: String] = [:]
        for row in rows {
            applied[try row.decode(Int.self, column: "version")] = try row.decode(String.self, column: "checksum")
        }
        let expected = migrations.map(\.version).max() ?? 0
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0.checksum) })
        if let unknown = applied.keys.filter({ known[$0] == nil }).max() { return .newer(applied: unknown, expected: expected) }
        if let edited = applied.keys.sorted().first(where: { applied[$0] != known[$0] }) { return .edited(version: edited) }
        if applied.count < known.count { return .behind(applied: applied.keys.max() ?? 0, expected: expected) }
        return .current
    }

    /// For commands that never migrate (`kneeflow work`): succeeds only on a current schema.
    /// - Throws: `QueueError(.schema)` saying what is wrong and what to run.
    public func requireCurrent(_ conn: PostgresConnection) throws {
        let fix = "run `kneeflow db migrate` (or any coordinator command: enqueue, demo) with the database owner's role"
        switch try status(conn) {
        case .current: return
        case .unmigrated:
            throw QueueError(.schema, "the database has no kneeflow schema yet; workers never migrate: \(fix)")
        case .behind(let have, let want):
            throw QueueError(.schema, "the database schema is at migration \(have), this kneeflow needs \(want); workers never migrate: \(fix)")
        case .newer(let have, let want):
            throw QueueError(.schema, "the database schema has migration \(have), newer than this kneeflow knows (\(want)); upgrade this worker's kneeflow")
        case .edited(let v):
            throw QueueError(.schema, "migration \(v) in the database differs from this kneeflow's; this binary does not belong to this database")
        }
    }
}
