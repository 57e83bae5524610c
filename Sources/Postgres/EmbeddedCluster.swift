import Common
import Foundation
import Logging

/// The private PostgreSQL cluster KneeFlow uses when `DATABASE_URL` is not set.
///
/// Hardened by default: the server listens on a unix socket only (in a 0700 directory owned by
/// the server's OS user — that directory is the access boundary), `pg_hba.conf` is ours (no
/// `host … trust` line), the bootstrap superuser `kneeflow_admin` is used only to administer the
/// cluster, and commands connect as the non-superuser application role `kneeflow` (CREATEROLE,
/// owner of the database `kneeflow`). The port is chosen once per home and kept, so URLs stay
/// valid across `db down` / `db up`. `--listen` adds `hostssl` + `scram-sha-256` for other
/// machines (see `EmbeddedCluster+TLS.swift`). Where everything lives is recorded in
/// `<home>/cluster.json` (`ClusterState`). When the process runs as root the server tools run as
/// the `postgres` OS user (`runuser -u postgres --`), because the server refuses to run as root.
public struct EmbeddedCluster: Sendable {
    /// Directory holding the cluster's state (default `./.kneeflow`, or `KNEEFLOW_HOME`).
    public let home: String
    /// Directory with `initdb`, `pg_ctl`, `postgres`.
    public let binDir: String
    /// Extra server settings (tests turn fsync off), written to the cluster's `kneeflow.conf`.
    public var settings: [String: String] = [:]
    /// The database superuser, for cluster administration only (roles, databases).
    public static let adminRole = "kneeflow_admin"
    /// The role commands and URLs use: not a superuser.
    public static let appRole = "kneeflow"

    /// Where the data directory lives (recorded in the home; `<home>/pgdata` unless relocated).
    public var dataDir: String { state?.dataDir ?? home + "/pgdata" }
    /// The server log (next to the data directory).
    public var logFile: String { state?.logFile ?? home + "/postgres.log" }
    /// `<home>/cluster.json`: the recorded layout, port and listen settings.
    public var stateFile: String { home + "/cluster.json" }
    /// `<home>/tls`: generated CA and server certificate (keys 0600).
    public var tlsDir: String { home + "/tls" }
    /// `<home>/secrets`: generated login passwords and URLs (files 0600).
    public var secretsDir: String { home + "/secrets" }
    /// OS user the server runs as when we are root.
    public var serverUser: String? { geteuid() == 0 ? "postgres" : nil }
    /// The recorded state, read fresh from the home (another process may have changed it).
    public var state: ClusterState? { ClusterState.load(from: stateFile) }

    /// - Parameters:
    ///   - home: cluster directory (made absolute).
    ///   - binDir: server binaries; `nil` = `KNEEFLOW_PG_BIN` or the highest
    ///     `/usr/lib/postgresql/<major>/bin`.
    /// - Throws: `PostgresError(.cluster)` when no server binaries are found.
    public init(home: String, binDir: String? = nil) throws {
        self.home = URL(fileURLWithPath: home).standardizedFileURL.path
        if let b = binDir { self.binDir = b } else { self.binDir = try Self.findBinDir() }
    }

    /// Finds server binaries: `KNEEFLOW_PG_BIN`, else the highest `/usr/lib/postgresql/N/bin`
    /// that has `pg_ctl`.
    public static func findBinDir(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        if let b = environment["KNEEFLOW_PG_BIN"], !b.isEmpty { return b }
        let root = "/usr/lib/postgresql"
        let majors = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap { Int($0) }.sorted(by: >)
        for m in majors where FileManager.default.isExecutableFile(atPath: "\(root)/\(m)/bin/pg_ctl") {
            return "\(root)/\(m)/bin"
        }
        throw PostgresError(.cluster, "no PostgreSQL server binaries in \(root)/<version>/bin; install the postgresql package or set KNEEFLOW_PG_BIN or DATABASE_URL")
    }

    /// Socket directory: the recorded one, else `<base>/run`, or a short `/tmp` path when that
    /// would exceed the unix-socket path limit.
    public var socketDir: String { state?.socketDir ?? Self.defaultSocketDir(base: home, home: home) }

    static func defaultSocketDir(base: String, home: String) -> String {
        let preferred = base + "/run"
        if (preferred + "/.s.PGSQL.65535").utf8.count < 100 { return preferred }
        return "/tmp/kneeflow-" + String(Common.SHA256.hex(string: home).prefix(12))
    }

    /// The port and socket directory of the running server, read from `postmaster.pid`, or `nil`
    /// when the server is not running.
    public func runningServer() -> (port: Int, socketDir: String)? {
        guard let text = try? String(contentsOfFile: dataDir + "/postmaster.pid", encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= 5, let pid = Int32(lines[0]), let port = Int(lines[3]) else { return nil }
        guard kill(pid, 0) == 0 || errno == EPERM else { return nil }
        return (port, lines[4])
    }

    /// Connection URL for a database on the running server (unix socket, application role).
    public func url(port: Int, socketDir: String, database: String = "kneeflow") -> String {
        Self.socketURL(user: Self.appRole, socketDir: socketDir, port: port, database: database)
    }

    /// Connection URL as the bootstrap superuser: cluster administration and the test harness
    /// only (creating databases and roles); never printed for commands.
    public func adminURL(port: Int, socketDir: String, database: String = "postgres") -> String {
        Self.socketURL(user: Self.adminRole, socketDir: socketDir, port: port, database: database)
    }

    /// A unix-socket URL; `password`, when given, is percent-encoded into the user info.
    static func socketURL(user: String, password: String? = nil, socketDir: String, port: Int, database: String) -> String {
        let host = percentEncode(socketDir)
        let pw = password.map { ":" + percentEncode($0) } ?? ""
        return "postgresql://\(percentEncode(user))\(pw)@/\(percentEncode(database))?host=\(host)&port=\(port)"
    }

    /// RFC 3986 unreserved characters pass; everything else is percent-encoded.
    static func percentEncode(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? s
    }
}
