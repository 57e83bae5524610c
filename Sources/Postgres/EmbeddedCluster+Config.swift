import Foundation
import Logging

extension EmbeddedCluster {
    /// Folds `db up`'s flags into the recorded state: `--listen` sets (and keeps) the TCP
    /// service and its certificate, `--socket-only` drops it.
    func apply(_ request: ClusterRequest, to st: inout ClusterState, logger: Logger) throws {
        if request.socketOnly {
            if st.listen != nil { logger.notice("no longer listening on TCP: unix socket only") }
            st.listen = nil
        }
        if let l = request.listen {
            if let p = l.port { st.port = p }
            st.listen = ClusterState.Listen(address: l.address, advertise: l.advertise)
        }
        if let u = request.userTLS {
            for p in [u.certificate, u.key, u.ca] where !FileManager.default.isReadableFile(atPath: p) {
                throw PostgresError(.cluster, "cannot read \(p)")
            }
            st.tls = ClusterState.TLSFiles(certificate: u.certificate, key: u.key, ca: u.ca, generated: false, names: [])
        }
        if let l = st.listen {
            let names = ListenSpec.certificateNames(address: l.address, advertise: l.advertise)
            if st.tls == nil || (st.tls!.generated && st.tls!.names != names) {
                st.tls = try generateTLS(names: names, logger: logger)
            }
        }
    }

    /// Writes `kneeflow.conf` (included from `postgresql.conf`), our `pg_hba.conf` and the
    /// server's copy of the certificate and key into the data directory.
    /// - Returns: true when anything changed (a running server must restart to apply it).
    func writeServerConfig(_ st: ClusterState) throws -> Bool {
        var changed = false
        let main = st.dataDir + "/postgresql.conf"
        let include = "include_if_exists = 'kneeflow.conf'"
        let text = (try? String(contentsOfFile: main, encoding: .utf8)) ?? ""
        if !text.contains(include) {
            try serverFile(text + "\n# Added by kneeflow: its settings (rewritten by `kneeflow db up`).\n" + include + "\n",
                           at: main, mode: 0o600)
            changed = true
        }
        var tlsSettings: [(String, String)] = [("ssl", "off")]
        if st.listen != nil, let t = st.tls {
            for (src, dst) in [(t.certificate, "kneeflow-server.crt"), (t.key, "kneeflow-server.key")] {
                guard let data = FileManager.default.contents(atPath: src) else {
                    throw PostgresError(.cluster, "cannot read \(src)")
                }
                changed = try serverFile(data, at: st.dataDir + "/" + dst, mode: 0o600) || changed
            }
            tlsSettings = [("ssl", "on"), ("ssl_cert_file", "kneeflow-server.crt"), ("ssl_key_file", "kneeflow-server.key"),
                           ("ssl_min_protocol_version", "TLSv1.2")]
        }
        var conf: [(String, String)] = [
            ("port", String(st.port)),
            ("listen_addresses", st.listen?.address ?? ""),
            ("unix_socket_directories", st.socketDir),
            ("unix_socket_permissions", "0700"),
            ("max_connections", "200"),
            ("password_encryption", "scram-sha-256"),
        ] + tlsSettings
        conf += settings.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let confText = "# Written by kneeflow from \(stateFile); rewritten by `kneeflow db up`.\n"
            + conf.map { "\($0.0) = '\($0.1.replacingOccurrences(of: "'", with: "''"))'" }.joined(separator: "\n") + "\n"
        changed = try serverFile(Data(confText.utf8), at: st.dataDir + "/kneeflow.conf", mode: 0o600) || changed
        changed = try serverFile(Data(Self.hba(listening: st.listen != nil).utf8), at: st.dataDir + "/pg_hba.conf", mode: 0o600) || changed
        return changed
    }

    /// Our `pg_hba.conf`: the unix socket for everyone who can reach its 0700 directory (the
    /// server's OS user and root); with `--listen`, TLS-only password (SCRAM) logins to the
    /// `kneeflow` database for every role except the admin and application roles, which never
    /// log in over the network. No `host … trust` line, no non-TLS `host` line.
    static func hba(listening: Bool) -> String {
        var lines = [
            "# Written by kneeflow; rewritten by `kneeflow db up`. Edits are lost.",
            "# TYPE   DATABASE  USER  ADDRESS  METHOD",
            "local    all       all            trust",
        ]
        if listening {
            for net in ["0.0.0.0/0", "::/0"] {
                lines.append("hostssl  all  \(adminRole),\(appRole)  \(net)  reject")
                lines.append("hostssl  kneeflow  all  \(net)  scram-sha-256")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes a file the server reads (owned by its OS user) when its content differs.
    /// - Returns: true when it was written.
    @discardableResult
    func serverFile(_ data: Data, at path: String, mode: mode_t) throws -> Bool {
        if FileManager.default.contents(atPath: path) == data { return false }
        try SecureFile.write(data, to: path, mode: mode)
        try chownIfRoot(path)
        return true
    }

    func serverFile(_ text: String, at path: String, mode: mode_t) throws {
        try serverFile(Data(text.utf8), at: path, mode: mode)
    }
}
