import Foundation

/// Login roles for other machines (`kneeflow db login`): a LOGIN role that is a member of one of
/// the group roles the migrations make (`kneeflow_coordinator`, `kneeflow_worker`,
/// `kneeflow_monitor`), with a generated password set through a client-side SCRAM verifier.
public enum LoginRole {
    /// The group roles a login can join, by the name `db login` takes.
    public static let groups = ["coordinator": "kneeflow_coordinator", "worker": "kneeflow_worker", "monitor": "kneeflow_monitor"]

    /// 32 bytes from the system's cryptographic generator (getrandom), base64url without padding:
    /// 43 characters, 256 bits of entropy, safe in a URL without escaping.
    public static func generatePassword() -> String {
        var g = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &g) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// A login name: lower-case letters, digits and `_`, starting with a letter, at most 63
    /// characters; not one of KneeFlow's own roles nor `pg_…`.
    /// - Throws: `PostgresError(.query)` saying what is allowed.
    public static func validate(name: String) throws {
        let ok = name.count <= 63 && name.first.map { $0.isASCII && $0.isLowercase } == true
            && name.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "_" }
        guard ok else { throw PostgresError(.query, "login name \(name.prefix(80)): use lower-case letters, digits and _, starting with a letter (≤ 63)") }
        let reserved = [EmbeddedCluster.adminRole, EmbeddedCluster.appRole, "postgres", "kneeflow_upgrade"] + Array(groups.values)
        guard !reserved.contains(name), !name.hasPrefix("pg_") else {
            throw PostgresError(.query, "login name \(name) is reserved; choose another --name")
        }
    }

    /// Creates `name` (LOGIN, member of `group`, nothing else) or, when it exists and is such a
    /// member, rotates its password.
    /// - Returns: true when the role was created, false when its password was rotated.
    /// - Throws: `PostgresError` when the group does not exist (migrations missing), the
    ///   existing role is not a plain member of the group, or the server refuses.
    @discardableResult
    public static func createOrRotate(_ conn: PostgresConnection, name: String, group: String, password: String) throws -> Bool {
        try validate(name: name)
        guard try !conn.query("SELECT 1 FROM pg_roles WHERE rolname = \(group)").isEmpty else {
            throw PostgresError(.query, "the group role \(group) does not exist: the database's migrations do not create it (upgrade KneeFlow and run `kneeflow db migrate`)")
        }
        let existing = try conn.query("""
            SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication OR rolbypassrls AS powerful,
                   pg_has_role(oid, \(group)::regrole, 'MEMBER') AS member
              FROM pg_roles WHERE rolname = \(name)
            """).first
        if let r = existing {
            guard try r.decode(Bool.self, column: "member"), try !r.decode(Bool.self, column: "powerful") else {
                throw PostgresError(.query, "role \(name) exists and is not a plain member of \(group); choose another --name")
            }
        } else {
            try conn.execute("CREATE ROLE \(identifier: name) LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE IN ROLE \(identifier: group)")
        }
        try conn.setPassword(role: name, password: password)
        return existing == nil
    }

    /// The URL a machine uses for `name` on a server given by libpq options (host, port,
    /// dbname, sslmode, sslrootcert; see `PostgresConnection.parseConnectionString`).
    public static func url(user: String, password: String, options o: [String: String],
                           database: String? = nil, sslMode: String? = nil, sslRootCert: String? = nil) -> String {
        let enc = EmbeddedCluster.percentEncode
        let path = { (s: String) in enc(s).replacingOccurrences(of: "%2F", with: "/") }
        let db = database ?? o["dbname"] ?? "kneeflow"
        let host = o["host"] ?? o["hostaddr"] ?? "localhost"
        var query: [String] = []
        var authority = "\(enc(user)):\(enc(password))@"
        if host.hasPrefix("/") {
            query.append("host=" + path(host))
            if let p = o["port"] { query.append("port=" + p) }
        } else {
            authority += host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
            if let p = o["port"] { authority += ":" + p }
        }
        if let m = sslMode ?? o["sslmode"] { query.append("sslmode=" + enc(m)) }
        if let c = sslRootCert ?? o["sslrootcert"] { query.append("sslrootcert=" + path(c)) }
        return "postgresql://\(authority)/\(enc(db))" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
    }
}
