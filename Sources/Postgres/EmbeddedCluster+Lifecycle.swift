import Foundation
import Common

extension EmbeddedCluster {
    /// Initialises (first use) and starts the cluster if it is not running; creates the
    /// `kneeflow` database. Safe to call from several processes at once (a file lock serialises).
    /// - Returns: the connection URL of the `kneeflow` database.
    /// - Throws: `PostgresError(.cluster)` with the server tool's output when a step fails.
    @discardableResult
    public func start() throws -> String {
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let lock = try FileLock(path: home + "/.lock")
        defer { lock.unlock() }
        if let s = runningServer() {
            try ensureDatabase(port: s.port, socketDir: s.socketDir)
            return url(port: s.port, socketDir: s.socketDir)
        }
        let user = serverUser
        if !FileManager.default.fileExists(atPath: dataDir + "/PG_VERSION") {
            try? FileManager.default.removeItem(atPath: dataDir)
            try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
            try chownIfRoot(dataDir)
            chmod(dataDir, 0o700)
            let out = try ProcessRunner.run([binDir + "/initdb", "-D", dataDir, "-U", "kneeflow", "-A", "trust",
                                             "-E", "UTF8", "--locale=C", "--no-sync"], asUser: user)
            guard out.status == 0 else {
                throw PostgresError(.cluster, "initdb failed: \(PostgresConnection.oneLine(String(out.output.suffix(800))))")
            }
        }
        let sock = socketDir
        try FileManager.default.createDirectory(atPath: sock, withIntermediateDirectories: true)
        try chownIfRoot(sock)
        chmod(sock, 0o700)
        if !FileManager.default.fileExists(atPath: logFile) {
            _ = FileManager.default.createFile(atPath: logFile, contents: nil)
        }
        try chownIfRoot(logFile)
        let port = try Self.freeLoopbackPort()
        var opts = "-p \(port) -k \(sock) -c listen_addresses=127.0.0.1 -c max_connections=200"
        for (k, v) in settings.sorted(by: { $0.key < $1.key }) { opts += " -c \(k)=\(v)" }
        let out = try ProcessRunner.run([binDir + "/pg_ctl", "-D", dataDir, "-l", logFile, "-w", "-t", "60",
                                         "-o", opts, "start"], asUser: user)
        guard out.status == 0, let s = runningServer() else {
            let tail = (try? String(contentsOfFile: logFile, encoding: .utf8)).map { String($0.suffix(600)) } ?? ""
            throw PostgresError(.cluster, "pg_ctl start failed: \(PostgresConnection.oneLine(out.output + " " + tail))")
        }
        try ensureDatabase(port: s.port, socketDir: s.socketDir)
        return url(port: s.port, socketDir: s.socketDir)
    }

    /// Creates the `kneeflow` database when it does not exist.
    func ensureDatabase(port: Int, socketDir: String) throws {
        let admin = try PostgresConnection(url(port: port, socketDir: socketDir, database: "postgres"))
        defer { admin.close() }
        let exists = try admin.query("SELECT 1 FROM pg_database WHERE datname = 'kneeflow'")
        if exists.isEmpty { try admin.execute("CREATE DATABASE kneeflow") }
    }

    /// Stops the server (fast shutdown). No-op when it is not running.
    /// - Parameter immediate: use `-m immediate` (tests tearing down).
    public func stop(immediate: Bool = false) throws {
        guard runningServer() != nil else { return }
        let out = try ProcessRunner.run([binDir + "/pg_ctl", "-D", dataDir, "-w", "-t", "60", "-m",
                                         immediate ? "immediate" : "fast", "stop"], asUser: serverUser)
        guard out.status == 0 else {
            throw PostgresError(.cluster, "pg_ctl stop failed: \(PostgresConnection.oneLine(out.output))")
        }
    }

    /// Restarts the server on the same port and socket directory (tests use this to simulate a
    /// server going away under running workers).
    public func restart() throws {
        guard let s = runningServer() else { try start(); return }
        var opts = "-p \(s.port) -k \(s.socketDir) -c listen_addresses=127.0.0.1 -c max_connections=200"
        for (k, v) in settings.sorted(by: { $0.key < $1.key }) { opts += " -c \(k)=\(v)" }
        let out = try ProcessRunner.run([binDir + "/pg_ctl", "-D", dataDir, "-l", logFile, "-w", "-t", "60",
                                         "-m", "fast", "-o", opts, "restart"], asUser: serverUser)
        guard out.status == 0 else {
            throw PostgresError(.cluster, "pg_ctl restart failed: \(PostgresConnection.oneLine(out.output))")
        }
    }

    func chownIfRoot(_ path: String) throws {
        guard let u = serverUser else { return }
        guard let pw = getpwnam(u) else { throw PostgresError(.cluster, "OS user \(u) does not exist (needed to run the server as non-root)") }
        if chown(path, pw.pointee.pw_uid, pw.pointee.pw_gid) != 0 {
            throw PostgresError(.cluster, "cannot chown \(path) to \(u): errno \(errno)")
        }
    }

    /// A TCP port on 127.0.0.1 that is free right now (bind to port 0, read it back).
    static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PostgresError(.cluster, "socket() failed: errno \(errno)") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let rc = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p -> Int32 in
                guard bind(fd, p, len) == 0 else { return -1 }
                return getsockname(fd, p, &len)
            }
        }
        guard rc == 0 else { throw PostgresError(.cluster, "cannot find a free port: errno \(errno)") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}

/// An exclusive `flock` on a file, released by `unlock()`.
struct FileLock {
    let fd: Int32
    init(path: String) throws {
        fd = open(path, O_CREAT | O_RDWR, 0o644)
        guard fd >= 0 else { throw PostgresError(.cluster, "cannot open lock file \(path): errno \(errno)") }
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR { close(fd); throw PostgresError(.cluster, "cannot lock \(path): errno \(errno)") }
        }
    }
    func unlock() { flock(fd, LOCK_UN); close(fd) }
}
