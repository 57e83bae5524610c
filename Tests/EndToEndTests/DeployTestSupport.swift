import Foundation
import Postgres
import TestSupport
import XCTest

/// What the deployment tests (ops/: systemd units, the Prometheus exporter's queries, the
/// Kubernetes manifests) share: the repository's files, external tools run to completion, a free
/// loopback port, a monitor-only login and a queue in a known state.
enum Deploy {
    /// The repository root (this file is Tests/EndToEndTests/DeployTestSupport.swift).
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    static func ops(_ relative: String) -> String { repo + "/ops/" + relative }

    /// A tool from the Debian packages of ops/install-deps.sh: its path, or a skip — a failure
    /// under `KNEEFLOW_REQUIRE_DB=1` (CI), like a missing PostgreSQL.
    static func tool(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        if FileManager.default.isExecutableFile(atPath: path) { return path }
        let why = "\(path) is missing (run ops/install-deps.sh)"
        if ProcessInfo.processInfo.environment["KNEEFLOW_REQUIRE_DB"] == "1" {
            XCTFail(why, file: file, line: line)
        }
        throw XCTSkip(why)
    }

    struct Output { let status: Int32; let stdout: String; let stderr: String; var all: String { stdout + stderr } }

    /// Runs `executable args…` to completion, output captured through temp files (a chatty tool
    /// never blocks on a full pipe).
    static func run(_ executable: String, _ args: [String], environment: [String: String]? = nil,
                    cwd: String? = nil) throws -> Output {
        let dir = try tempDir("kf-run")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        FileManager.default.createFile(atPath: dir + "/o", contents: nil)
        FileManager.default.createFile(atPath: dir + "/e", contents: nil)
        let o = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/o"))
        let e = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/e"))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        if let environment { p.environment = environment }
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = o
        p.standardError = e
        try p.run()
        p.waitUntilExit()
        try? o.close(); try? e.close()
        return Output(status: p.terminationStatus,
                      stdout: (try? String(contentsOfFile: dir + "/o", encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: dir + "/e", encoding: .utf8)) ?? "")
    }

    static func tempDir(_ prefix: String) throws -> String {
        let dir = NSTemporaryDirectory() + "\(prefix)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A loopback TCP port nobody listens on right now (bound to port 0, then released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0
            }
        }
        guard ok else { throw CocoaError(.fileWriteUnknown) }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    nonisolated(unsafe) private static var roleCounter = 0

    /// A login that reads the monitoring views and nothing else, and its URL. With the group role
    /// `kneeflow_monitor` of the least-privilege migration present, the login is only a member of
    /// it (so the views' grants are what is tested); without it, the views are granted one by one.
    static func monitorLogin(databaseURL url: String) throws -> String {
        let conn = try PostgresConnection(url)
        defer { conn.close() }
        roleCounter += 1
        let name = "kf_mon_\(getpid())_\(roleCounter)"
        try conn.execute("DROP ROLE IF EXISTS \(identifier: name)")
        let group = try conn.query("SELECT count(*) AS n FROM pg_roles WHERE rolname = 'kneeflow_monitor'")
            .first?.decode(Int.self, column: "n") ?? 0
        if group > 0 {
            try conn.execute("CREATE ROLE \(identifier: name) LOGIN IN ROLE kneeflow_monitor")
        } else {
            try conn.execute("CREATE ROLE \(identifier: name) LOGIN")
            try conn.execute("GRANT USAGE ON SCHEMA kneeflow TO \(identifier: name)")
            for view in ["progress", "active_workers", "recent_failures", "queue_depth", "failure_reasons", "stage_timings"] {
                try conn.execute(PostgresQuery(unsafeSQL: "GRANT SELECT ON kneeflow.\(view) TO \"\(name)\""))
            }
        }
        let monitorURL = url.replacingOccurrences(of: "postgresql://kneeflow@", with: "postgresql://\(name)@")
        guard monitorURL != url else { throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: "unexpected test URL \(url)"]) }
        return monitorURL
    }
}
