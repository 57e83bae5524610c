import Foundation
@testable import Postgres
import Queue
import TestSupport
import XCTest

/// Debian's pgbouncer in transaction pooling mode between `kneeflow work --no-listen` and the
/// test server: fewer server connections than client connections, so consecutive transactions
/// of one worker land on different server sessions — anything that relied on session state
/// (session advisory locks, prepared statements, temp tables across transactions, LISTEN)
/// would break here.
final class PgBouncerTests: XCTestCase {
    var dir: String!
    var pidFile: String { dir + "/pgbouncer.pid" }

    override func tearDown() {
        if let dir {
            if let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
               let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                kill(pid, SIGTERM)
                _ = waitUntil(timeout: 30) { kill(pid, 0) != 0 }
            }
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    /// Starts pgbouncer (as the `postgres` OS user when we are root) in front of `url`'s
    /// database; returns the URL of the pooled database.
    func startPgBouncer(for url: String) throws -> (url: String, admin: String) {
        let bin = "/usr/sbin/pgbouncer"
        guard FileManager.default.isExecutableFile(atPath: bin) else {
            if ProcessInfo.processInfo.environment["KNEEFLOW_REQUIRE_DB"] == "1" { XCTFail("pgbouncer is not installed (ops/install-deps.sh)") }
            throw XCTSkip("pgbouncer is not installed")
        }
        let o = try PostgresConnection.parseConnectionString(url)
        let server = try XCTUnwrap(o["host"]), serverPort = try XCTUnwrap(o["port"]), db = try XCTUnwrap(o["dbname"])
        dir = NSTemporaryDirectory() + "kf-pgb-\(UInt32.random(in: 0...UInt32.max))"
        let cluster = try XCTUnwrap(TestDatabase.shared.embeddedCluster)
        try cluster.prepareServerDirectory(dir)   // 0700, owned by the server's OS user
        let port = try EmbeddedCluster.freeLoopbackPort()
        let password = LoginRole.generatePassword()
        let probe = try PostgresConnection(url)
        let verifier = try probe.scramVerifier(password: password, user: "kneeflow")
        probe.close()
        let ini = """
            [databases]
            kf = host=\(server) port=\(serverPort) dbname=\(db) user=kneeflow
            [pgbouncer]
            listen_addr =
            unix_socket_dir = \(dir!)
            listen_port = \(port)
            auth_type = scram-sha-256
            auth_file = \(dir!)/userlist.txt
            admin_users = kneeflow
            pool_mode = transaction
            default_pool_size = 3
            max_client_conn = 200
            logfile = \(dir!)/pgbouncer.log
            pidfile = \(pidFile)
            """
        for (name, text) in [("pgbouncer.ini", ini + "\n"), ("userlist.txt", "\"kneeflow\" \"\(verifier)\"\n")] {
            try SecureFile.write(Data(text.utf8), to: dir + "/" + name, mode: 0o600)
            try cluster.chownIfRoot(dir + "/" + name)
        }
        let out = try ProcessRunner.run([bin, "-d", dir + "/pgbouncer.ini"], asUser: cluster.serverUser)
        XCTAssertEqual(out.status, 0, out.output)
        let pooled = "postgresql://kneeflow:\(password)@/kf?host=\(dir!)&port=\(port)"
        let up = waitUntil(timeout: 30) { (try? PostgresConnection(pooled))?.isConnected == true }
        XCTAssertTrue(up, (try? String(contentsOfFile: dir + "/pgbouncer.log", encoding: .utf8)) ?? "")
        return (pooled, "postgresql://kneeflow:\(password)@/pgbouncer?host=\(dir!)&port=\(port)")
    }

    func testWorkersWithoutListenCompleteARunThroughTransactionPooling() throws {
        try KneeflowBinary.require()
        let direct = try QueueTestDB.make()
        let (pooled, admin) = try startPgBouncer(for: direct)
        // Enqueue through the pooler too (the bulk path's temp table lives inside one transaction).
        let c = try PostgresConnection(pooled)
        let co = Coordinator(connection: c)
        let run = try co.createRun(name: "pooled", configJSON: RunInfo.testConfig, codeVersion: "test")
        try co.enqueue(runId: run.id, jobs: (0..<300).map { NewJob(dataset: "d", caseId: String(format: "c%03d", $0), inputPath: "/none") },
                       maxAttempts: 3)
        c.close()
        let logs = dir + "/workers.log"
        _ = FileManager.default.createFile(atPath: logs, contents: nil)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: logs))
        // 3 processes × (2 claim loops + main + heartbeat) = 12 client connections on 3 server ones.
        let procs = try (0..<3).map { _ in
            try KneeflowBinary.start(["work", "--no-listen", "--run", "pooled", "--exit-when-idle", "--concurrency", "2",
                                      "--poll", "0.2", "--lease", "30"],
                                     environment: ["DATABASE_URL": pooled, "KNEEFLOW_LOG_LEVEL": "warning"], stdout: h, stderr: h)
        }
        let text = { (try? String(contentsOfFile: logs, encoding: .utf8)) ?? "" }
        for p in procs {
            XCTAssertTrue(waitUntil(timeout: 300) { !p.isRunning }, text())
            if p.isRunning { p.terminate(); p.waitUntilExit() }
        }
        XCTAssertEqual(procs.map(\.terminationStatus), [0, 0, 0], text())
        let d = try PostgresConnection(direct)
        defer { d.close() }
        func n(_ q: PostgresQuery) throws -> Int { try QueueTestDB.int(d, q) }
        XCTAssertEqual(try n("SELECT count(*) AS n FROM kneeflow.jobs WHERE state = 'succeeded' AND attempts = 1"), 300, text())
        XCTAssertEqual(try n("SELECT count(*) AS n FROM kneeflow.results"), 300)
        XCTAssertEqual(try n("SELECT count(*) AS n FROM kneeflow.job_attempts"), 300)
        XCTAssertEqual(try n("SELECT count(*) AS n FROM kneeflow.workers WHERE stopped_at IS NOT NULL"), 3)
        // The traffic really went through the pooler (its admin console counts the transactions).
        let stats = Process()
        stats.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        stats.arguments = [admin, "-XAtF,", "-c", "SHOW STATS"]
        let pipe = Pipe()
        stats.standardOutput = pipe
        stats.standardError = FileHandle.nullDevice
        try stats.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        stats.waitUntilExit()
        let kf = try XCTUnwrap(out.split(separator: "\n").first { $0.hasPrefix("kf,") }, out)
        XCTAssertGreaterThan(Int(kf.split(separator: ",")[1]) ?? 0, 600, out)   // total_xact_count
    }
}
