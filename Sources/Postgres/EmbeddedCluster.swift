import Foundation
import Logging

/// The private PostgreSQL cluster KneeFlow uses when `DATABASE_URL` is not set: data under
/// `<home>/pgdata`, a unix socket directory it owns, a free loopback port, `trust` auth for the
/// superuser role `kneeflow`, and a database `kneeflow`. When the process runs as root, the
/// server tools run as the `postgres` OS user (`runuser -u postgres --`), because the server
/// refuses to run as root.
public struct EmbeddedCluster: Sendable {
    /// Directory holding everything (default `./.kneeflow`, or `KNEEFLOW_HOME`).
    public let home: String
    /// Directory with `initdb`, `pg_ctl`, `postgres`.
    public let binDir: String
    /// Extra `-c name=value` server settings (tests turn fsync off).
    public var settings: [String: String] = [:]

    public var dataDir: String { home + "/pgdata" }
    public var logFile: String { home + "/postgres.log" }
    /// OS user the server runs as when we are root.
    public var serverUser: String? { geteuid() == 0 ? "postgres" : nil }

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

    /// Socket directory: `<home>/run`, or a short `/tmp` path when that would exceed the
    /// unix-socket path limit.
    public var socketDir: String {
        let preferred = home + "/run"
        if (preferred + "/.s.PGSQL.65535").utf8.count < 100 { return preferred }
        var h = Common.SHA256.hex(string: home)
        h = String(h.prefix(12))
        return "/tmp/kneeflow-\(h)"
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

    /// Connection URL for a database on the running server (unix socket, user `kneeflow`).
    public func url(port: Int, socketDir: String, database: String = "kneeflow") -> String {
        let host = socketDir.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? socketDir
        let db = database.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? database
        return "postgresql://kneeflow@/\(db)?host=\(host)&port=\(port)"
    }
}

import Common
