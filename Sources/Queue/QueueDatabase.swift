import Foundation
import Logging
import Postgres

/// How commands open the queue database: resolve `DATABASE_URL` or the embedded cluster,
/// connect, and apply pending migrations.
public enum QueueDatabase {
    /// Resolves the connection string (starting the embedded cluster if needed), connects and
    /// migrates.
    /// - Returns: the connection and the connection string (for worker threads/processes).
    /// - Throws: `PostgresError`, `QueueError(.migration)`.
    public static func open(startIfNeeded: Bool = true, migrate: Bool = true,
                            logger: Logger = Logger(label: "kneeflow.db")) throws -> (PostgresConnection, String) {
        let url = try DatabaseLocator.resolveConnectionString(startIfNeeded: startIfNeeded)
        let conn = try PostgresConnection(url, logger: logger)
        if migrate { try Migrator(logger: logger).migrate(conn) }
        return (conn, url)
    }

    /// The server's version string (`server_version`), "?" when it does not say.
    public static func serverVersion(_ conn: PostgresConnection) throws -> String {
        try conn.query(QueueSQL.serverVersion).first?.decode(String.self, column: "v") ?? "?"
    }
}
