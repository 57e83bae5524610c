import Common
import Foundation
import Logging

/// What `kneeflow db up` asks of the cluster beyond "be running".
public struct ClusterRequest: Sendable {
    /// Re-apply the configuration (and restart a running server when it changed). `db up` sets
    /// it; other commands only start a stopped server and otherwise leave it alone.
    public var apply = false
    /// Serve other machines on this address (`nil` = keep what the home records).
    public var listen: ListenSpec?
    /// Drop a recorded `--listen` (unix socket only again).
    public var socketOnly = false
    /// The user's own certificate, key and CA (all three or none).
    public var userTLS: (certificate: String, key: String, ca: String)?
    public init() {}
}

extension EmbeddedCluster {
    /// Initialises (first use) and starts the cluster if it is not running; makes the roles and
    /// the `kneeflow` database. Safe to call from several processes at once (a file lock
    /// serialises). A running server is left alone unless `request.apply`.
    /// - Returns: the application role's URL of the `kneeflow` database (unix socket).
    /// - Throws: `PostgresError(.cluster)` with the server tool's output when a step fails.
    @discardableResult
    public func start(_ request: ClusterRequest = ClusterRequest(),
                      logger: Logger = Logger(label: "kneeflow.db")) throws -> String {
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let lock = try FileLock(path: home + "/.lock")
        defer { lock.unlock() }
        if !request.apply, state != nil, let s = runningServer() { return url(port: s.port, socketDir: s.socketDir) }
        var st = try loadOrCreateState(logger: logger)
        try apply(request, to: &st, logger: logger)
        // A taken port is reported before anything is written or a running server stopped.
        if runningServer()?.port != st.port { try checkPort(st) }
        try initdbIfNeeded(st)
        let changed = try writeServerConfig(st)
        try st.save(to: stateFile)
        if let s = runningServer() {
            if changed || s.port != st.port || s.socketDir != st.socketDir {
                logger.notice("restarting the embedded cluster to apply its configuration", metadata: ["home": "\(home)"])
                try stop()
                try startServer(st)
            }
        } else {
            try startServer(st)
        }
        try ensureRoles(st, logger: logger)
        return url(port: st.port, socketDir: st.socketDir)
    }

    /// The recorded state, or a new one: a free port chosen now (and kept), the data directory
    /// under the home — or, when we are root and the `postgres` OS user cannot reach the home,
    /// under `/var/lib/kneeflow/<hash of the home>`.
    func loadOrCreateState(logger: Logger) throws -> ClusterState {
        if let s = state { return s }
        let legacy = FileManager.default.fileExists(atPath: home + "/pgdata/PG_VERSION")
        var base = home
        if legacy {
            logger.notice("upgrading the embedded cluster in \(home) made by an earlier KneeFlow: unix socket only, our pg_hba.conf, superuser renamed to \(Self.adminRole), commands use the non-superuser role \(Self.appRole)")
        } else if let user = serverUser, !(try canReach(home, as: user)) {
            base = "/var/lib/kneeflow/" + String(Common.SHA256.hex(string: home).prefix(16))
            logger.notice("the \(user) OS user cannot reach \(home); the data directory and socket go to \(base) (recorded in \(stateFile))")
            try SecureFile.makeDirectory("/var/lib/kneeflow", mode: 0o755)
            try prepareServerDirectory(base)
            try SecureFile.write(Data((home + "\n").utf8), to: base + "/HOME", mode: 0o644)
        }
        let port = try runningServer()?.port ?? Self.freeLoopbackPort()
        return ClusterState(port: port, dataDir: base + "/pgdata", socketDir: Self.defaultSocketDir(base: base, home: home),
                            logFile: base + "/postgres.log", listen: nil, tls: nil)
    }

    /// True when `user` can search `path` (and so every directory above it).
    func canReach(_ path: String, as user: String) throws -> Bool {
        try ProcessRunner.run(["/usr/bin/test", "-x", path], asUser: user).status == 0
    }

    func initdbIfNeeded(_ st: ClusterState) throws {
        guard !FileManager.default.fileExists(atPath: st.dataDir + "/PG_VERSION") else { return }
        try? FileManager.default.removeItem(atPath: st.dataDir)
        try prepareServerDirectory(st.dataDir)
        // trust only until our pg_hba.conf replaces initdb's before the first start.
        let out = try ProcessRunner.run([binDir + "/initdb", "-D", st.dataDir, "-U", Self.adminRole, "-A", "trust",
                                         "-E", "UTF8", "--locale=C", "--no-sync"], asUser: serverUser)
        guard out.status == 0 else {
            var hint = ""
            if out.output.contains("Permission denied"), let u = serverUser {
                hint = " (the \(u) OS user must be able to reach \(st.dataDir): `chmod o+x` every directory above it, or set KNEEFLOW_HOME to a directory it can reach)"
            }
            throw PostgresError(.cluster, "initdb failed: \(PostgresConnection.oneLine(String(out.output.suffix(800))))\(hint)")
        }
    }

    func startServer(_ st: ClusterState) throws {
        try prepareServerDirectory(st.socketDir)
        if !FileManager.default.fileExists(atPath: st.logFile) {
            _ = FileManager.default.createFile(atPath: st.logFile, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        try chownIfRoot(st.logFile)
        try checkPort(st)
        let out = try ProcessRunner.run([binDir + "/pg_ctl", "-D", st.dataDir, "-l", st.logFile, "-w", "-t", "60", "start"],
                                        asUser: serverUser)
        guard out.status == 0, runningServer() != nil else {
            let tail = (try? String(contentsOfFile: st.logFile, encoding: .utf8)).map { String($0.suffix(600)) } ?? ""
            throw PostgresError(.cluster, "pg_ctl start failed: \(PostgresConnection.oneLine(out.output + " " + tail))")
        }
    }

    /// Throws when the cluster listens on TCP and its port cannot be bound, saying what to do.
    func checkPort(_ st: ClusterState) throws {
        guard let l = st.listen, let busy = Self.portInUse(address: l.address, port: st.port) else { return }
        throw PostgresError(.cluster, "port \(st.port) on \(l.address) is in use (\(busy)); the cluster keeps the port recorded in \(stateFile) so that URLs stay valid: stop what uses it, or choose another with `kneeflow db up --listen \(l.address):PORT` (printed URLs then change)")
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

    /// Restarts the server with its recorded configuration (tests use this to simulate a server
    /// going away under running workers).
    public func restart() throws {
        guard runningServer() != nil else { try start(); return }
        let out = try ProcessRunner.run([binDir + "/pg_ctl", "-D", dataDir, "-l", logFile, "-w", "-t", "60",
                                         "-m", "fast", "restart"], asUser: serverUser)
        guard out.status == 0 else {
            throw PostgresError(.cluster, "pg_ctl restart failed: \(PostgresConnection.oneLine(out.output))")
        }
    }

    /// Removes the home and any directory outside it the cluster used (relocated data, a /tmp
    /// socket directory). The server must be stopped. For tests and throwaway homes.
    public func removeFiles() {
        let st = state
        try? FileManager.default.removeItem(atPath: home)
        if let st {
            let base = (st.dataDir as NSString).deletingLastPathComponent
            if !st.dataDir.hasPrefix(home + "/") { try? FileManager.default.removeItem(atPath: base) }
            if !st.socketDir.hasPrefix(home + "/") && !st.socketDir.hasPrefix(base + "/") {
                try? FileManager.default.removeItem(atPath: st.socketDir)
            }
        }
    }

    /// Makes a directory the server owns: created if missing, no symlink in its place, owned by
    /// the server's OS user, mode 0700 (the socket directory's mode is the access boundary).
    func prepareServerDirectory(_ path: String) throws {
        try SecureFile.makeDirectory(path, mode: 0o700)
        try chownIfRoot(path)
        var st = stat()
        guard lstat(path, &st) == 0 else { throw PostgresError(.cluster, "cannot stat \(path): errno \(errno)") }
        let expected = try serverUID()
        guard st.st_uid == expected, st.st_mode & 0o077 == 0 else {
            throw PostgresError(.cluster, "\(path) must be a 0700 directory owned by uid \(expected); it is owned by uid \(st.st_uid) with mode \(String(st.st_mode & 0o7777, radix: 8)): remove it or set KNEEFLOW_HOME elsewhere")
        }
    }

    func serverUID() throws -> uid_t {
        guard let u = serverUser else { return geteuid() }
        guard let pw = getpwnam(u) else { throw PostgresError(.cluster, "OS user \(u) does not exist (needed to run the server as non-root)") }
        return pw.pointee.pw_uid
    }

    func chownIfRoot(_ path: String) throws {
        guard let u = serverUser else { return }
        guard let pw = getpwnam(u) else { throw PostgresError(.cluster, "OS user \(u) does not exist (needed to run the server as non-root)") }
        if lchown(path, pw.pointee.pw_uid, pw.pointee.pw_gid) != 0 {
            throw PostgresError(.cluster, "cannot chown \(path) to \(u): errno \(errno)")
        }
    }
}

/// An exclusive `flock` on a file, released by `unlock()`.
struct FileLock {
    let fd: Int32
    init(path: String) throws {
        fd = open(path, O_CREAT | O_RDWR | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw PostgresError(.cluster, "cannot open lock file \(path): errno \(errno)") }
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR { close(fd); throw PostgresError(.cluster, "cannot lock \(path): errno \(errno)") }
        }
    }
    func unlock() { flock(fd, LOCK_UN); close(fd) }
}
