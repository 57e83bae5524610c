import Foundation
import Postgres
import XCTest

/// The throwaway PostgreSQL server for tests: one per test process, under a temporary directory
/// that is removed at exit, started through the same `EmbeddedCluster` code the tool uses (fsync
/// off). `DATABASE_URL` is ignored here on purpose: tests never touch a real database.
///
/// When no server can be started the tests that need one are skipped — unless
/// `KNEEFLOW_REQUIRE_DB=1` (CI), in which case they fail.
public final class TestDatabase: @unchecked Sendable {
    public static let shared = TestDatabase()

    private let lock = NSLock()
    private var cluster: EmbeddedCluster?
    private var baseURL: (port: Int, socketDir: String)?
    private var startError: String?
    private var templates: Set<String> = []
    private var counter = 0

    /// The running server's cluster (for restart tests).
    public var embeddedCluster: EmbeddedCluster? { lock.lock(); defer { lock.unlock() }; return cluster }

    private func ensureStarted() -> String? {
        if baseURL != nil || startError != nil { return startError }
        do {
            let dir = NSTemporaryDirectory() + "kneeflow-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            if geteuid() == 0 { chmod(dir, 0o755) }
            var c = try EmbeddedCluster(home: dir)
            c.settings = ["fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"]
            try c.start()
            guard let s = c.runningServer() else { throw PostgresError(.cluster, "server not running after start") }
            cluster = c
            baseURL = s
            TestDatabaseCleanup.register(c)
        } catch {
            startError = "\(error)"
        }
        return startError
    }

    /// A fresh, empty database's URL, or a skip/failure when no server is available.
    /// - Parameter template: name of a template database made once by `prepare` (e.g. migrated
    ///   schema), copied for every call.
    public func makeDatabase(template: String? = nil, prepare: ((String) throws -> Void)? = nil,
                             file: StaticString = #filePath, line: UInt = #line) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        if let err = ensureStarted() {
            if ProcessInfo.processInfo.environment["KNEEFLOW_REQUIRE_DB"] == "1" {
                XCTFail("KNEEFLOW_REQUIRE_DB=1 but no PostgreSQL server could be started: \(err)", file: file, line: line)
                throw PostgresError(.cluster, err)
            }
            throw XCTSkip("no PostgreSQL server available: \(err)")
        }
        guard let c = cluster, let s = baseURL else { throw PostgresError(.cluster, "no cluster") }
        // Databases are made by the cluster's admin role and owned by the application role the
        // returned URLs use (not a superuser, as for the tool itself).
        let admin = try PostgresConnection(c.adminURL(port: s.port, socketDir: s.socketDir, database: "postgres"))
        defer { admin.close() }
        let owner = EmbeddedCluster.appRole
        if let template, !templates.contains(template) {
            try admin.execute("DROP DATABASE IF EXISTS \(identifier: template)")
            try admin.execute("CREATE DATABASE \(identifier: template) OWNER \(identifier: owner)")
            try prepare?(c.url(port: s.port, socketDir: s.socketDir, database: template))
            templates.insert(template)
        }
        counter += 1
        let name = "t\(getpid())_\(counter)"
        if let template {
            try admin.execute("CREATE DATABASE \(identifier: name) TEMPLATE \(identifier: template) OWNER \(identifier: owner)")
        } else {
            try admin.execute("CREATE DATABASE \(identifier: name) OWNER \(identifier: owner)")
        }
        return c.url(port: s.port, socketDir: s.socketDir, database: name)
    }

    /// The superuser URL of a database on the test server (for tests that must administer the
    /// cluster: roles, other users' objects). `nil` before the server started.
    public func adminURL(database: String = "postgres") -> String? {
        lock.lock(); defer { lock.unlock() }
        guard let c = cluster, let s = baseURL else { return nil }
        return c.adminURL(port: s.port, socketDir: s.socketDir, database: database)
    }
}

/// Stops the throwaway server and removes its directory when the test process exits.
enum TestDatabaseCleanup {
    nonisolated(unsafe) static var clusters: [EmbeddedCluster] = []
    static func register(_ c: EmbeddedCluster) {
        if clusters.isEmpty {
            atexit {
                for c in TestDatabaseCleanup.clusters {
                    try? c.stop(immediate: true)
                    c.removeFiles()
                }
            }
        }
        clusters.append(c)
    }
}
