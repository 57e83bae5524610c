import ArgumentParser
import Foundation
import Postgres
import Queue

extension DbCommand {
    /// `kneeflow db login ROLE [--name NAME]`: a login for another machine, printed as its URL.
    struct Login: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a login (or rotate its password) for a coordinator, worker or monitor machine; print its URL.",
            discussion: """
                Runs the migrations first (they make the group roles), then creates the LOGIN role NAME in \\
                kneeflow_<ROLE> with a generated 256-bit password, set as a SCRAM verifier computed here. \\
                The password and URL are kept in <home>/secrets/NAME.password and NAME.url (0600). \\
                The URL goes to stdout: for a cluster started with `db up --listen`, \\
                postgresql://NAME:PASSWORD@HOST:PORT/kneeflow?sslmode=verify-full&sslrootcert=CA; \\
                with DATABASE_URL, built from its host and port.
                """)
        @Argument(help: "coordinator, worker or monitor.") var role: String
        @Option(help: "The login's name (default: kf_<ROLE>). An existing login of that role gets a new password.")
        var name: String?
        @Option(help: "Where the CA certificate will be on the worker machine (sslrootcert in the URL); default: its path here.")
        var caPath: String?

        func validate() throws {
            guard LoginRole.groups[role] != nil else { throw ValidationError("ROLE must be coordinator, worker or monitor") }
            do { try LoginRole.validate(name: name ?? "kf_\(role)") } catch { throw ValidationError("\(error)") }
        }

        func run() throws {
            let log = CLILogging.logger("kneeflow.db")
            let login = name ?? "kf_\(role)", group = LoginRole.groups[role]!
            let (conn, _) = try QueueDatabase.open(startIfNeeded: true, migrate: true, logger: log)
            defer { conn.close() }
            let password = LoginRole.generatePassword()
            let created = try LoginRole.createOrRotate(conn, name: login, group: group, password: password)
            let url: String
            var notes: [String] = []
            if DatabaseLocator.usesExternalServer() {
                let o = try PostgresConnection.parseConnectionString(ProcessInfo.processInfo.environment["DATABASE_URL"] ?? "")
                url = LoginRole.url(user: login, password: password, options: o)
                if o["sslmode"] != "verify-full" {
                    notes.append("DATABASE_URL has no sslmode=verify-full: add sslmode and sslrootcert for connections across machines")
                }
            } else {
                let cluster = try DbCommand.embeddedCluster()
                guard let st = cluster.state else { throw ValidationError("the embedded cluster has no recorded state; run `kneeflow db up`") }
                if let l = st.listen, let tls = st.tls {
                    let ca = caPath ?? tls.ca
                    url = LoginRole.url(user: login, password: password,
                                        options: ["host": l.advertise, "port": String(st.port)],
                                        database: "kneeflow", sslMode: "verify-full", sslRootCert: ca)
                    notes.append(ca == tls.ca
                        ? "copy \(tls.ca) to the same path on each other machine that uses this URL (or name another path with --ca-path)"
                        : "copy \(tls.ca) to \(ca) on each machine that uses this URL")
                } else {
                    url = LoginRole.url(user: login, password: password,
                                        options: ["host": st.socketDir, "port": String(st.port)], database: "kneeflow")
                    notes.append("the cluster listens on its unix socket only, so this URL works on this machine; `kneeflow db up --listen ADDR` serves others")
                }
            }
            let dir = try DbCommand.embeddedCluster().secretsDir
            try SecureFile.makeDirectory(dir, mode: 0o700)
            try SecureFile.write(Data((password + "\n").utf8), to: "\(dir)/\(login).password", mode: 0o600)
            try SecureFile.write(Data((url + "\n").utf8), to: "\(dir)/\(login).url", mode: 0o600)
            log.notice("\(created ? "created login" : "rotated the password of") \(login) in \(group); password and URL kept in \(dir)/\(login).password and .url (0600)")
            for n in notes { log.notice("\(n)") }
            print(url)
        }
    }
}
