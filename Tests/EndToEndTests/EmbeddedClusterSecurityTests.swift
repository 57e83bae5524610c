import Foundation
@testable import Postgres
import Queue
import TestSupport
import XCTest

/// The embedded cluster as `kneeflow db …` makes it, each test with its own home and server:
/// socket only, a non-superuser application role, a port kept across restarts, `--listen` with
/// TLS + SCRAM, `db login`, and a home the `postgres` OS user cannot reach.
final class EmbeddedClusterSecurityTests: XCTestCase {
    var dir: String!
    var home: String { dir + "/home" }
    var env: [String: String] { ["DATABASE_URL": "", "KNEEFLOW_HOME": home, "KNEEFLOW_LOG_LEVEL": "notice"] }

    override func setUpWithError() throws {
        try KneeflowBinary.require()
        _ = try TestDatabase.shared.makeDatabase()   // skips (or fails in CI) without PostgreSQL
        dir = NSTemporaryDirectory() + "kf-cluster-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        if geteuid() == 0 { chmod(dir, 0o755) }
    }

    override func tearDown() {
        if let dir, let c = try? EmbeddedCluster(home: dir + "/home") {
            try? c.stop(immediate: true)
            c.removeFiles()
        }
        if let dir { try? FileManager.default.removeItem(atPath: dir) }
    }

    func kf(_ args: [String], extra: [String: String] = [:]) throws -> KneeflowBinary.Output {
        try KneeflowBinary.run(args, environment: env.merging(extra) { $1 }, cwd: dir)
    }

    func line(_ o: KneeflowBinary.Output) -> String { o.stdout.trimmingCharacters(in: .whitespacesAndNewlines) }

    func sqlState(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch { return (error as? PostgresError)?.sqlState ?? "no-sqlstate: \(error)" }
    }

    func testSocketOnlyNonSuperuserAppRoleAndAStablePort() throws {
        let up = try kf(["db", "up"])
        XCTAssertEqual(up.status, 0, up.stderr)
        let url = line(up)
        let cluster = try EmbeddedCluster(home: home)
        let st = try XCTUnwrap(cluster.state)
        // No TCP listener at all: a TCP connection to the cluster's port is refused.
        XCTAssertThrowsError(try PostgresConnection("host=127.0.0.1 port=\(st.port) dbname=kneeflow user=kneeflow sslmode=disable connect_timeout=5")) { e in
            XCTAssertTrue("\(e)".contains("refused"), "\(e)")
        }
        let hba = try String(contentsOfFile: st.dataDir + "/pg_hba.conf", encoding: .utf8)
        XCTAssertFalse(hba.split(separator: "\n").contains { $0.hasPrefix("host") }, hba)
        XCTAssertEqual(SecureFile.mode(st.socketDir), 0o700)
        // The URL's role is not a superuser, and cannot run programs on the server.
        let conn = try PostgresConnection(url)
        defer { conn.close() }
        let me = try XCTUnwrap(conn.query("SELECT current_user AS u, rolsuper FROM pg_roles WHERE rolname = current_user").first)
        XCTAssertEqual(try me.decode(String.self, column: "u"), "kneeflow")
        XCTAssertEqual(try me.decode(Bool.self, column: "rolsuper"), false)
        XCTAssertEqual(sqlState { try conn.execute("COPY (SELECT 1) TO PROGRAM 'true'") }, "42501")
        try conn.execute("CREATE TEMP TABLE x (t text)")
        XCTAssertEqual(sqlState { try conn.execute("COPY x FROM PROGRAM 'id'") }, "42501")
        XCTAssertEqual(sqlState { try conn.query("SELECT pg_read_file('/etc/passwd')") }, "42501")
        XCTAssertEqual(sqlState { try conn.execute("ALTER SYSTEM SET work_mem = '1MB'") }, "42501")
        // down + up: same port, same URL; the old connection's URL still connects.
        conn.close()
        XCTAssertEqual(try kf(["db", "down"]).status, 0)
        let again = try kf(["db", "up"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(line(again), url)
        XCTAssertEqual(cluster.runningServer()?.port, st.port)
        XCTAssertEqual(try PostgresConnection(url).query("SELECT 1 AS one").first?.decode(Int.self, column: "one"), 1)
    }

    func testListenServesTLSWithScramLoginsOnly() throws {
        let up = try kf(["db", "up", "--listen", "127.0.0.1"])
        XCTAssertEqual(up.status, 0, up.stderr)
        let cluster = try EmbeddedCluster(home: home)
        let st = try XCTUnwrap(cluster.state)
        let tls = try XCTUnwrap(st.tls)
        XCTAssertEqual(st.listen?.address, "127.0.0.1")
        // On this branch the migrations do not make the group roles yet: make the one we need.
        let app = try PostgresConnection(line(up))
        defer { app.close() }
        try app.execute("DO $$ BEGIN CREATE ROLE kneeflow_worker NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
        let login = try kf(["db", "login", "worker", "--name", "w1"])
        XCTAssertEqual(login.status, 0, login.stderr)
        let url = line(login)
        let password = try String(contentsOfFile: home + "/secrets/w1.password", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertGreaterThanOrEqual(password.count, 43)
        XCTAssertEqual(url, "postgresql://w1:\(password)@127.0.0.1:\(st.port)/kneeflow?sslmode=verify-full&sslrootcert=\(tls.ca)")
        XCTAssertTrue(login.stderr.contains("copy \(tls.ca)"), login.stderr)
        let elsewhere = try kf(["db", "login", "worker", "--name", "w2", "--ca-path", "/etc/kneeflow/ca.crt"])
        XCTAssertEqual(elsewhere.status, 0, elsewhere.stderr)
        XCTAssertTrue(line(elsewhere).hasSuffix("@127.0.0.1:\(st.port)/kneeflow?sslmode=verify-full&sslrootcert=/etc/kneeflow/ca.crt"), line(elsewhere))
        for f in ["secrets/w1.password", "secrets/w1.url", "tls/ca.key", "tls/server.key"] {
            XCTAssertEqual(SecureFile.mode(home + "/" + f), 0o600, f)
        }
        XCTAssertEqual(SecureFile.mode(home + "/secrets"), 0o700)
        XCTAssertEqual(SecureFile.mode(home + "/tls"), 0o700)
        // The printed URL connects over TLS, verified against the generated CA.
        let w = try PostgresConnection(url)
        let who = try XCTUnwrap(w.query("SELECT current_user AS u, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").first)
        XCTAssertEqual(try who.decode(String.self, column: "u"), "w1")
        XCTAssertEqual(try who.decode(Bool.self, column: "ssl"), true)
        // The login cannot run programs nor give itself the right to.
        XCTAssertEqual(sqlState { try w.execute("COPY (SELECT 1) TO PROGRAM 'true'") }, "42501")
        XCTAssertEqual(sqlState { try w.execute("GRANT pg_execute_server_program TO w1") }, "42501")
        w.close()
        // Refused: no TLS; a wrong password; a host name the certificate does not hold; the
        // admin and application roles over the network.
        let base = "host=127.0.0.1 port=\(st.port) dbname=kneeflow"
        XCTAssertThrowsError(try PostgresConnection("\(base) user=w1 password=\(password) sslmode=disable")) { e in
            XCTAssertTrue("\(e)".contains("no encryption"), "\(e)")
        }
        XCTAssertThrowsError(try PostgresConnection("\(base) user=w1 password=wrong-\(password) sslmode=verify-full sslrootcert=\(tls.ca)")) { e in
            XCTAssertTrue("\(e)".contains("password authentication failed"), "\(e)")
        }
        XCTAssertThrowsError(try PostgresConnection(url.replacingOccurrences(of: "@127.0.0.1:", with: "@localhost:"))) { e in
            XCTAssertTrue("\(e)".contains("does not match host name"), "\(e)")
        }
        XCTAssertThrowsError(try PostgresConnection("\(base) user=kneeflow sslmode=require")) { e in
            XCTAssertTrue("\(e)".contains("rejects connection") || "\(e)".contains("pg_hba"), "\(e)")
        }
        // The cleartext never reached the server (log) or a file other than the 0600 secrets.
        XCTAssertFalse(try String(contentsOfFile: st.logFile, encoding: .utf8).contains(password))
        // Rotation: a second `db login` replaces the password; the old one is refused.
        let rotated = try kf(["db", "login", "worker", "--name", "w1"])
        XCTAssertEqual(rotated.status, 0, rotated.stderr)
        XCTAssertNotEqual(line(rotated), url)
        XCTAssertThrowsError(try PostgresConnection(url))
        // `db down` + `db up` without flags keeps listening with the same port and certificate.
        XCTAssertEqual(try kf(["db", "down"]).status, 0)
        XCTAssertEqual(try kf(["db", "up"]).status, 0)
        XCTAssertEqual(try PostgresConnection(line(rotated)).query("SELECT 1 AS one").first?.decode(Int.self, column: "one"), 1)
        // --socket-only drops it again.
        XCTAssertEqual(try kf(["db", "up", "--socket-only"]).status, 0)
        XCTAssertThrowsError(try PostgresConnection(line(rotated))) { e in XCTAssertTrue("\(e)".contains("refused"), "\(e)") }
    }

    func testTheUsersOwnCertificateIsServedAndNeverTouched() throws {
        // A CA and server certificate made elsewhere (here: by a first --listen, then copied).
        XCTAssertEqual(try kf(["db", "up", "--listen", "127.0.0.1"]).status, 0)
        let own = dir + "/own"
        try FileManager.default.createDirectory(atPath: own, withIntermediateDirectories: true)
        for f in ["server.crt", "server.key", "ca.crt"] {
            try FileManager.default.copyItem(atPath: home + "/tls/" + f, toPath: own + "/" + f)
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: own + "/server.crt"))
        try FileManager.default.removeItem(atPath: home + "/tls")   // only the user's files remain
        let up = try kf(["db", "up", "--listen", "127.0.0.1", "--tls-cert", own + "/server.crt", "--tls-key", own + "/server.key",
                         "--tls-ca", own + "/ca.crt"])
        XCTAssertEqual(up.status, 0, up.stderr)
        let tls = try XCTUnwrap(EmbeddedCluster(home: home).state?.tls)
        XCTAssertEqual(tls.generated, false)
        XCTAssertEqual(tls.ca, own + "/ca.crt")
        let app = try PostgresConnection(line(up))
        defer { app.close() }
        try app.execute("DO $$ BEGIN CREATE ROLE kneeflow_worker NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
        let login = try kf(["db", "login", "worker"])
        XCTAssertEqual(login.status, 0, login.stderr)
        XCTAssertTrue(line(login).hasSuffix("sslrootcert=\(own)/ca.crt"), line(login))
        XCTAssertEqual(try PostgresConnection(line(login)).query("SELECT current_user AS u").first?.decode(String.self, column: "u"), "kf_worker")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: own + "/server.crt")), before)
        XCTAssertFalse(FileManager.default.fileExists(atPath: home + "/tls"))   // nothing generated
        XCTAssertEqual(try kf(["db", "up", "--listen", "127.0.0.1", "--tls-cert", own + "/server.crt"]).status, 64)
    }

    func testATakenPortIsReportedAndTheRunningClusterKept() throws {
        let up = try kf(["db", "up"])
        XCTAssertEqual(up.status, 0, up.stderr)
        // Something else holds a TCP port on 127.0.0.1.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let rc = withUnsafeMutablePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p -> Int32 in
                guard bind(fd, p, len) == 0, listen(fd, 1) == 0 else { return -1 }
                return getsockname(fd, p, &len)
            }
        }
        XCTAssertEqual(rc, 0)
        let taken = Int(UInt16(bigEndian: sin.sin_port))
        let st = try XCTUnwrap(EmbeddedCluster(home: home).state)
        let busy = try kf(["db", "up", "--listen", "127.0.0.1:\(taken)"])
        XCTAssertNotEqual(busy.status, 0)
        XCTAssertTrue(busy.stderr.contains("port \(taken) on 127.0.0.1 is in use"), busy.stderr)
        // Nothing changed: same recorded state, the server still up on its socket.
        XCTAssertEqual(try EmbeddedCluster(home: home).state, st)
        XCTAssertEqual(try PostgresConnection(line(up)).query("SELECT 1 AS one").first?.decode(Int.self, column: "one"), 1)
    }

    func testLoginOnAnExternalServerUsesDatabaseURLsHost() throws {
        let url = try TestDatabase.shared.makeDatabase()
        let app = try PostgresConnection(url)
        defer { app.close() }
        for g in ["kneeflow_monitor", "kneeflow_worker"] {
            try app.execute(PostgresQuery(unsafeSQL: "DO $$ BEGIN CREATE ROLE \(g) NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$"))
        }
        let name = "m_\(getpid())"
        let out = try kf(["db", "login", "monitor", "--name", name], extra: ["DATABASE_URL": url])
        XCTAssertEqual(out.status, 0, out.stderr)
        let o = try PostgresConnection.parseConnectionString(url)
        XCTAssertTrue(line(out).hasPrefix("postgresql://\(name):"), line(out))
        XCTAssertTrue(line(out).contains("@/\(o["dbname"]!)?host=\(o["host"]!)&port=\(o["port"]!)"), line(out))
        XCTAssertEqual(SecureFile.mode(home + "/secrets/\(name).password"), 0o600)
        let m = try PostgresConnection(line(out))
        defer { m.close() }
        XCTAssertEqual(try m.query("SELECT current_user AS u").first?.decode(String.self, column: "u"), name)
        XCTAssertEqual(try m.query("SELECT pg_has_role(current_user, 'kneeflow_monitor', 'MEMBER') AS b").first?.decode(Bool.self, column: "b"), true)
        // A name taken by a role outside the group is refused, not hijacked.
        let taken = try kf(["db", "login", "worker", "--name", name], extra: ["DATABASE_URL": url])
        XCTAssertNotEqual(taken.status, 0)
        XCTAssertTrue(taken.stderr.contains("not a plain member of kneeflow_worker"), taken.stderr)
    }

    func testHomeThePostgresUserCannotReachStillStarts() throws {
        guard geteuid() == 0 else { throw XCTSkip("only as root does the server run as another OS user") }
        chmod(dir, 0o700)   // like a clone under /root: postgres cannot traverse it
        let up = try kf(["db", "up"])
        XCTAssertEqual(up.status, 0, up.stderr)
        XCTAssertTrue(up.stderr.contains("cannot reach"), up.stderr)
        let st = try XCTUnwrap(EmbeddedCluster(home: home).state)
        XCTAssertFalse(st.dataDir.hasPrefix(dir), st.dataDir)
        XCTAssertEqual(try PostgresConnection(line(up)).query("SELECT count(*) AS n FROM kneeflow.schema_migrations").first?.decode(Int.self, column: "n"),
                       Migration.all.count)
        XCTAssertEqual(try kf(["db", "down"]).status, 0)
        XCTAssertEqual(line(try kf(["db", "up"])), line(up))
    }

    func testHomeMadeByAnEarlierKneeFlowIsUpgraded() throws {
        // The old layout: initdb's superuser named kneeflow, trust on 127.0.0.1, a migrated schema.
        let cluster = try EmbeddedCluster(home: home)
        let data = home + "/pgdata", sock = home + "/run"
        for d in [data, sock] { try cluster.prepareServerDirectory(d) }
        let initdb = try ProcessRunner.run([cluster.binDir + "/initdb", "-D", data, "-U", "kneeflow", "-A", "trust", "--no-sync"], asUser: cluster.serverUser)
        XCTAssertEqual(initdb.status, 0, initdb.output)
        _ = FileManager.default.createFile(atPath: home + "/postgres.log", contents: nil)
        try cluster.chownIfRoot(home + "/postgres.log")
        let port = try EmbeddedCluster.freeLoopbackPort()
        let started = try ProcessRunner.run([cluster.binDir + "/pg_ctl", "-D", data, "-l", home + "/postgres.log", "-w", "-o",
                                             "-p \(port) -k \(sock) -c listen_addresses=127.0.0.1", "start"], asUser: cluster.serverUser)
        XCTAssertEqual(started.status, 0, started.output)
        let old = try PostgresConnection(EmbeddedCluster.socketURL(user: "kneeflow", socketDir: sock, port: port, database: "postgres"))
        try old.execute("CREATE DATABASE kneeflow")
        old.close()
        let oldURL = EmbeddedCluster.socketURL(user: "kneeflow", socketDir: sock, port: port, database: "kneeflow")
        XCTAssertEqual(try KneeflowBinary.run(["db", "migrate"], environment: ["DATABASE_URL": oldURL]).status, 0)
        let up = try kf(["db", "up"])
        XCTAssertEqual(up.status, 0, up.stderr)
        XCTAssertTrue(up.stderr.contains("upgrading"), up.stderr)
        XCTAssertEqual(line(up), oldURL)   // same role name, socket and port: old URLs keep working
        let c = try PostgresConnection(line(up))
        defer { c.close() }
        XCTAssertEqual(try c.query("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").first?.decode(Bool.self, column: "rolsuper"), false)
        XCTAssertEqual(try c.query("SELECT rolname FROM pg_roles WHERE oid = 10").first?.decode(String.self, column: "rolname"), "kneeflow_admin")
        XCTAssertEqual(try c.query("""
            SELECT (SELECT count(*) FROM pg_class k JOIN pg_namespace n ON n.oid = k.relnamespace
                     WHERE n.nspname = 'kneeflow' AND k.relowner <> current_user::regrole)
                 + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                     WHERE n.nspname = 'kneeflow' AND p.proowner <> current_user::regrole) AS n
            """).first?.decode(Int.self, column: "n"), 0)
        XCTAssertThrowsError(try PostgresConnection("host=127.0.0.1 port=\(port) dbname=kneeflow user=kneeflow_admin sslmode=disable connect_timeout=5"))
        let migrate = try kf(["db", "migrate"])
        XCTAssertEqual(migrate.status, 0, migrate.stderr)
    }
}
