import ArgumentParser
import Foundation
import Logging
import Postgres
import Queue

/// `kneeflow db …`: the embedded PostgreSQL cluster and the schema.
struct DbCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Manage the database: the embedded cluster (up/down/status/url/psql) and migrations.",
        subcommands: [Up.self, Down.self, Status.self, URLCommand.self, Psql.self, Migrate.self, Login.self,
                      CancelRun.self, RequeueFailed.self])

    static func embeddedCluster() throws -> EmbeddedCluster {
        try DatabaseLocator.embeddedCluster()
    }

    /// Opens the job database and runs `body` on the run of that name.
    /// - Throws: `QueueError(.runNotFound)` when there is none.
    static func withRun(named name: String, _ body: (Coordinator, RunInfo) throws -> Void) throws {
        let (conn, _) = try QueueDatabase.open(logger: CLILogging.logger("kneeflow.db"))
        defer { conn.close() }
        let coord = Coordinator(connection: conn)
        guard let r = try coord.run(named: name) else { throw QueueError(.runNotFound, "no run named \(name)") }
        try body(coord, r)
    }

    struct Up: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start the embedded cluster (initdb on first use) and migrate.",
            discussion: """
                Unix socket only by default. --listen ADDR[:PORT] also serves other machines: TLS only \
                (hostssl), scram-sha-256 passwords, a generated CA and server certificate in <home>/tls \
                (or yours: --tls-cert/--tls-key/--tls-ca). The settings are kept in <home>/cluster.json, \
                so a later `db up` keeps them; --socket-only drops them. Logins: `kneeflow db login`.
                """)
        @Option(help: "Also listen on TCP: ADDR, ADDR:PORT or [IPv6]:PORT (PORT defaults to the cluster's recorded port).")
        var listen: String?
        @Option(help: "Host name or IP workers connect to (certificate name, printed URLs); default: the --listen address.")
        var advertise: String?
        @Flag(help: "Stop listening on TCP (unix socket only).") var socketOnly = false
        @Option(help: "Your server certificate (PEM) instead of a generated one; needs --tls-key and --tls-ca.") var tlsCert: String?
        @Option(help: "Your server certificate's private key (PEM).") var tlsKey: String?
        @Option(help: "The CA that signed --tls-cert (given to workers as sslrootcert).") var tlsCa: String?

        func validate() throws {
            let tls = [tlsCert, tlsKey, tlsCa].compactMap { $0 }
            guard tls.isEmpty || tls.count == 3 else { throw ValidationError("--tls-cert, --tls-key and --tls-ca go together") }
            guard !(socketOnly && listen != nil) else { throw ValidationError("--socket-only and --listen contradict each other") }
            guard advertise == nil || listen != nil else { throw ValidationError("--advertise needs --listen") }
        }

        func run() throws {
            let log = CLILogging.logger("kneeflow.db")
            if DatabaseLocator.usesExternalServer() {
                guard listen == nil, !socketOnly, tlsCert == nil else {
                    throw ValidationError("DATABASE_URL is set: --listen, --socket-only and --tls-* configure the embedded cluster only")
                }
                log.notice("DATABASE_URL is set: nothing to start; migrating that database")
            } else {
                var req = ClusterRequest()
                req.apply = true
                req.socketOnly = socketOnly
                if let listen { req.listen = try ListenSpec(parsing: listen, advertise: advertise) }
                if let c = tlsCert, let k = tlsKey, let a = tlsCa {
                    func abs(_ p: String) -> String { URL(fileURLWithPath: p).standardizedFileURL.path }
                    req.userTLS = (abs(c), abs(k), abs(a))
                }
                let cluster = try DbCommand.embeddedCluster()
                try cluster.start(req, logger: log)
                if let st = cluster.state, let l = st.listen {
                    log.notice("listening on \(l.address):\(st.port) (hostssl, scram-sha-256); make a worker's login with `kneeflow db login worker`",
                               metadata: ["ca": "\(st.tls?.ca ?? "?")"])
                }
            }
            let (conn, url) = try QueueDatabase.open(startIfNeeded: true, migrate: true, logger: log)
            conn.close()
            print(url)
        }
    }

    struct Down: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the embedded cluster (no-op with DATABASE_URL).")
        func run() throws {
            guard !DatabaseLocator.usesExternalServer() else {
                print("DATABASE_URL is set: the embedded cluster is not used"); return
            }
            try DbCommand.embeddedCluster().stop()
            print("stopped")
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Is the database reachable; which migrations are applied.")
        func run() throws {
            let url: String
            if DatabaseLocator.usesExternalServer() {
                url = try DatabaseLocator.resolveConnectionString(startIfNeeded: false)
                print("server: DATABASE_URL")
            } else {
                let c = try DbCommand.embeddedCluster()
                guard let s = c.runningServer() else {
                    print("embedded cluster in \(c.home): not running")
                    throw ExitCode(3)
                }
                print("embedded cluster in \(c.home): running on port \(s.port), socket \(s.socketDir)")
                if let st = c.state {
                    print("data directory: \(st.dataDir)")
                    print(st.listen.map { "listening: \($0.address):\(st.port) as \($0.advertise) (hostssl, scram-sha-256; CA \(st.tls?.ca ?? "?"))" }
                          ?? "listening: unix socket only")
                }
                url = c.url(port: s.port, socketDir: s.socketDir)
            }
            let conn = try PostgresConnection(url)
            defer { conn.close() }
            let version = try QueueDatabase.serverVersion(conn)
            print("server version: \(version)")
            let applied = try Migrator().applied(conn)
            let pending = Migration.all.filter { m in !applied.contains { $0.version == m.version } }
            print("migrations applied: \(applied.map { String($0.version) }.joined(separator: ", ")); pending: \(pending.map(\.fileName).joined(separator: ", "))")
        }
    }

    struct URLCommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "url", abstract: "Print a connection URL psql accepts (starts the embedded cluster if needed).")
        func run() throws {
            _ = CLILogging.bootstrap
            print(try DatabaseLocator.resolveConnectionString(startIfNeeded: true))
        }
    }

    struct Psql: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open psql on the database (extra arguments go to psql).")
        @Argument(parsing: .captureForPassthrough) var psqlArguments: [String] = []
        func run() throws {
            _ = CLILogging.bootstrap
            let url = try DatabaseLocator.resolveConnectionString(startIfNeeded: true)
            let candidates = [try? EmbeddedCluster.findBinDir()].compactMap { $0 }.map { $0 + "/psql" } + ["/usr/bin/psql"]
            guard let psql = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
                throw ValidationError("psql not found (install postgresql-client)")
            }
            var argv = [psql, url] + psqlArguments
            let cargs = argv.map { strdup($0) } + [nil]
            execv(psql, cargs)
            argv.removeAll()
            throw ValidationError("cannot exec \(psql): errno \(errno)")
        }
    }

    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply pending migrations (forward-only, under an advisory lock).")
        func run() throws {
            let log = CLILogging.logger("kneeflow.db")
            let url = try DatabaseLocator.resolveConnectionString(startIfNeeded: true)
            let conn = try PostgresConnection(url, logger: log)
            defer { conn.close() }
            let done = try Migrator(logger: log).migrate(conn)
            print(done.isEmpty ? "schema is current (\(Migration.all.count) migrations)" : "applied: \(done.map(String.init).joined(separator: ", "))")
        }
    }

    struct CancelRun: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "cancel-run", abstract: "Cancel the queued and running jobs of a run.")
        @Option(name: .customLong("run"), help: "Run name.") var runName: String
        func run() throws {
            try DbCommand.withRun(named: runName) { coord, r in print("cancelled \(try coord.cancel(runId: r.id)) jobs") }
        }
    }

    struct RequeueFailed: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "requeue-failed", abstract: "Queue a run's failed jobs again.")
        @Option(name: .customLong("run"), help: "Run name.") var runName: String
        func run() throws {
            try DbCommand.withRun(named: runName) { coord, r in print("requeued \(try coord.requeueFailed(runId: r.id)) jobs") }
        }
    }
}
