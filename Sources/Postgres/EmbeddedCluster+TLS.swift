import Common
import Foundation
import Logging

extension EmbeddedCluster {
    /// Generates (with the `openssl` command) a CA — once per home — and a server certificate
    /// signed by it whose subjectAltName holds `names`, under `<home>/tls` (0700; keys 0600).
    /// Workers verify the server with `ca.crt` (`sslmode=verify-full`).
    func generateTLS(names: [String], logger: Logger) throws -> ClusterState.TLSFiles {
        let dir = tlsDir
        try SecureFile.makeDirectory(dir, mode: 0o700)
        let san = names.map { (ListenSpec.isIPAddress($0) ? "IP:" : "DNS:") + $0 }.joined(separator: ",")
        let cnf = """
            [req]
            distinguished_name = dn
            prompt = no
            [dn]
            CN = KneeFlow
            [ca_ext]
            basicConstraints = critical, CA:TRUE, pathlen:0
            keyUsage = critical, keyCertSign, cRLSign
            subjectKeyIdentifier = hash
            [server_ext]
            basicConstraints = critical, CA:FALSE
            keyUsage = critical, digitalSignature, keyEncipherment
            extendedKeyUsage = serverAuth
            subjectAltName = \(san)
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid
            """
        try SecureFile.write(Data((cnf + "\n").utf8), to: dir + "/openssl.cnf", mode: 0o600)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        if !FileManager.default.fileExists(atPath: dir + "/ca.key") || !FileManager.default.fileExists(atPath: dir + "/ca.crt") {
            let subject = "/CN=KneeFlow cluster CA " + String(Common.SHA256.hex(string: home).prefix(8))
            try openssl(["req", "-x509", "-config", dir + "/openssl.cnf", "-extensions", "ca_ext"] + ec
                        + ["-keyout", dir + "/ca.key", "-out", dir + "/ca.crt", "-days", "3650", "-subj", subject])
            logger.notice("generated a certificate authority for the embedded cluster", metadata: ["file": "\(dir)/ca.crt"])
        }
        try openssl(["req", "-new", "-config", dir + "/openssl.cnf"] + ec
                    + ["-keyout", dir + "/server.key", "-out", dir + "/server.csr", "-subj", "/CN=" + names[0]])
        let serial = "0x" + (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        try openssl(["x509", "-req", "-in", dir + "/server.csr", "-CA", dir + "/ca.crt", "-CAkey", dir + "/ca.key",
                     "-set_serial", serial, "-days", "825", "-extfile", dir + "/openssl.cnf", "-extensions", "server_ext",
                     "-out", dir + "/server.crt"])
        unlink(dir + "/server.csr")
        for (f, m) in [("ca.key", 0o600), ("server.key", 0o600), ("ca.crt", 0o644), ("server.crt", 0o644)] {
            chmod(dir + "/" + f, mode_t(m))
        }
        logger.notice("generated the server certificate", metadata: ["names": "\(names.joined(separator: ","))", "file": "\(dir)/server.crt"])
        return ClusterState.TLSFiles(certificate: dir + "/server.crt", key: dir + "/server.key", ca: dir + "/ca.crt",
                                     generated: true, names: names)
    }

    func openssl(_ args: [String]) throws {
        guard let bin = ["/usr/bin/openssl", "/bin/openssl"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw PostgresError(.cluster, "openssl not found: install the openssl package (needed to generate certificates for --listen), or pass --tls-cert, --tls-key and --tls-ca")
        }
        let out = try ProcessRunner.run([bin] + args)
        guard out.status == 0 else {
            throw PostgresError(.cluster, "openssl \(args[0]) failed: \(PostgresConnection.oneLine(String(out.output.suffix(600))))")
        }
    }
}
