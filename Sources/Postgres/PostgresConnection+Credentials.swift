import CLibPQ
import Foundation
import Logging

extension PostgresConnection {
    /// The SCRAM-SHA-256 verifier of `password` for `user`, computed here by libpq
    /// (`PQencryptPasswordConn`), so `ALTER ROLE … PASSWORD '<verifier>'` never sends — or lets
    /// the server log — the cleartext.
    /// - Throws: `PostgresError(.query)` with libpq's message.
    public func scramVerifier(password: String, user: String) throws -> String {
        let c = try handle()
        guard let p = PQencryptPasswordConn(c, password, user, "scram-sha-256") else {
            throw PostgresError(.query, "cannot hash the password: " + Self.oneLine(String(cString: PQerrorMessage(c))))
        }
        defer { PQfreemem(p) }
        return String(cString: p)
    }

    /// Sets `role`'s password from a client-side SCRAM verifier (see `scramVerifier`).
    /// `ALTER ROLE` takes no bound parameters, so the verifier — base64 and `$:`, nothing a
    /// caller chooses — is written as a quoted literal.
    public func setPassword(role: String, password: String) throws {
        let v = try scramVerifier(password: password, user: role)
        guard v.hasPrefix("SCRAM-SHA-256$"), !v.contains("'"), !v.contains("\\") else {
            throw PostgresError(.query, "unexpected password verifier format")
        }
        try execute(PostgresQuery(unsafeSQL: "ALTER ROLE \(PostgresQuery.quoteIdentifier(role)) PASSWORD '\(v)'"))
    }

    /// The options of a libpq URL or conninfo string (`PQconninfoParse`): only the ones set.
    /// - Throws: `PostgresError(.connection)` when libpq cannot parse it (message without the
    ///   string itself, which may hold a password).
    public static func parseConnectionString(_ s: String) throws -> [String: String] {
        var err: UnsafeMutablePointer<CChar>?
        guard let opts = PQconninfoParse(s, &err) else {
            let msg = err.map { String(cString: $0) } ?? "invalid connection string"
            if let err { PQfreemem(err) }
            throw PostgresError(.connection, "cannot parse the connection string: " + oneLine(msg))
        }
        defer { PQconninfoFree(opts) }
        var out: [String: String] = [:]
        var p = opts
        while let k = p.pointee.keyword {
            if let v = p.pointee.val { out[String(cString: k)] = String(cString: v) }
            p += 1
        }
        return out
    }
}
