import Foundation
import Logging
import Postgres

/// How commands open the queue database: resolve `DATABASE_URL` or the embedded cluster,
/// connect, and apply pending migrations.
public enum QueueDatabase {
    /// Resolves the connection string (starting the embedded cluster if needed), connects and
    /// migrates.
    /// - Parameter connectTimeout: seconds to keep retrying (with backoff, logged) while the
    ///   server cannot be reached — a worker started while its server restarts; 0 = one attempt.
    /// - Returns: the connection and the connection string (for worker threads/processes).
    /// - Throws: `PostgresError`, `QueueError(.migration)`.
    public static func open(startIfNeeded: Bool = true, migrate: Bool = true, connectTimeout: Double = 0,
                            logger: Logger = Logger(label: "kneeflow.db")) throws -> (PostgresConnection, String) {
        let conn: PostgresConnection
        if connectTimeout > 0 {
            conn = try PostgresConnection.connect(resolver: {
                try DatabaseLocator.resolveConnectionString(startIfNeeded: startIfNeeded, logger: logger)
            }, timeout: connectTimeout, logger: logger)
        } else {
            conn = try PostgresConnection(DatabaseLocator.resolveConnectionString(startIfNeeded: startIfNeeded, logger: logger), logger: logger)
        }
        if migrate { try Migrator(logger: logger).migrate(conn) }
        return (conn, conn.connectionStringForTests)
    }

    /// The server's version string (`server_version`), "?" when it does not say.
    public static func serverVersion(_ conn: PostgresConnection) throws -> String {
        try conn.query(QueueSQL.serverVersion).first?.decode(String.self, column: "v") ?? "?"
    }
}
