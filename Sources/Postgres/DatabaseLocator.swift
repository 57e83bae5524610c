import Foundation
import Logging

/// Decides which database a command talks to: `DATABASE_URL` when set (nothing is started), else
/// the embedded cluster under `KNEEFLOW_HOME` or `./.kneeflow`.
public enum DatabaseLocator {
    /// The embedded cluster's home for this environment: `KNEEFLOW_HOME` or `<cwd>/.kneeflow`.
    public static func embeddedHome(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let h = environment["KNEEFLOW_HOME"], !h.isEmpty { return h }
        return FileManager.default.currentDirectoryPath + "/.kneeflow"
    }

    /// True when `DATABASE_URL` is set (an external server; never start anything).
    public static func usesExternalServer(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        !(environment["DATABASE_URL"] ?? "").isEmpty
    }

    /// The embedded cluster of this environment's home.
    public static func embeddedCluster(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> EmbeddedCluster {
        try EmbeddedCluster(home: embeddedHome(environment: environment),
                            binDir: environment["KNEEFLOW_PG_BIN"].flatMap { $0.isEmpty ? nil : $0 })
    }

    /// The connection string commands should use.
    /// - Parameter startIfNeeded: start the embedded cluster when it is not running (ignored with
    ///   `DATABASE_URL`).
    /// - Returns: `DATABASE_URL`, or the embedded cluster's URL.
    /// - Throws: `PostgresError(.cluster)` when the embedded cluster is not running and
    ///   `startIfNeeded` is false, or cannot be started.
    public static func resolveConnectionString(startIfNeeded: Bool = true,
                                               environment: [String: String] = ProcessInfo.processInfo.environment,
                                               logger: Logger = Logger(label: "kneeflow.db")) throws -> String {
        if let u = environment["DATABASE_URL"], !u.isEmpty { return u }
        let cluster = try embeddedCluster(environment: environment)
        guard startIfNeeded || cluster.runningServer() != nil else {
            throw PostgresError(.cluster, "the embedded PostgreSQL in \(cluster.home) is not running (run `kneeflow db up`, or set DATABASE_URL)")
        }
        return try cluster.start(logger: logger)
    }

    /// A resolver for long-lived processes (workers): called again on every reconnect, so a
    /// worker follows the embedded cluster's running server (read from its home each time; never
    /// started from here). With `DATABASE_URL` it always returns that URL.
    /// - Throws (from the closure): `PostgresError(.connection)` while the embedded cluster is
    ///   not running, which reconnect loops treat as "retry".
    public static func resolver(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PostgresConnection.Resolver {
        if let u = environment["DATABASE_URL"], !u.isEmpty { return { u } }
        let cluster = try embeddedCluster(environment: environment)
        return {
            guard let s = cluster.runningServer() else {
                throw PostgresError(.connection, "the embedded PostgreSQL in \(cluster.home) is not running")
            }
            return cluster.url(port: s.port, socketDir: s.socketDir)
        }
    }
}
