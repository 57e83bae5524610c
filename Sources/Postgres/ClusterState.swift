import Foundation

/// What an embedded cluster's home records in `<home>/cluster.json` (mode 0644, no secrets), so
/// every later command — and every `db up` — finds the same data directory, socket, port and
/// listen settings: the port is chosen once, a relocated data directory stays where it was put,
/// and `db up` without `--listen` keeps an earlier `--listen`.
public struct ClusterState: Codable, Sendable, Equatable {
    /// Layout version: 2 = hardened (admin role separate from the application role).
    public var format: Int = 2
    /// The server's port (also names the unix socket file `.s.PGSQL.<port>`), chosen once.
    public var port: Int
    /// The data directory (`<home>/pgdata`, or a directory the `postgres` OS user can reach).
    public var dataDir: String
    /// The unix socket directory (0700, owned by the server's OS user).
    public var socketDir: String
    /// The server log.
    public var logFile: String
    /// TCP service for other machines (`db up --listen`); `nil` = unix socket only.
    public var listen: Listen?
    /// Server certificate files when listening.
    public var tls: TLSFiles?

    /// `db up --listen ADDR[:PORT]`.
    public struct Listen: Codable, Sendable, Equatable {
        /// Address the server binds (`listen_addresses`): an IP or a host name, or `*`.
        public var address: String
        /// Host name or IP workers connect to (goes into the certificate and the printed URLs).
        public var advertise: String
    }

    /// Certificate files: generated under `<home>/tls` or given by the user.
    public struct TLSFiles: Codable, Sendable, Equatable {
        public var certificate: String
        public var key: String
        /// The CA workers verify the server with (`sslrootcert`).
        public var ca: String
        /// True when KneeFlow generated them (then they are regenerated when the advertised name
        /// changes); false for the user's own files, which are never touched.
        public var generated: Bool
        /// The names in the generated certificate's subjectAltName.
        public var names: [String]
    }

    /// Reads the state, or `nil` when the home has none (new, or made by an older KneeFlow).
    static func load(from path: String) -> ClusterState? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(ClusterState.self, from: data)
    }

    /// Writes the state atomically (temp file + rename), mode 0644.
    func save(to path: String) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try SecureFile.write(try enc.encode(self), to: path, mode: 0o644)
    }
}

/// Writes files with their final mode from the first byte (no window where a secret is readable
/// by others): a temporary file created `O_EXCL` with `mode`, written, fsynced, renamed.
public enum SecureFile {
    /// - Throws: `PostgresError(.cluster)` naming the path and errno.
    public static func write(_ data: Data, to path: String, mode: mode_t = 0o600) throws {
        let tmp = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode)
        guard fd >= 0 else { throw PostgresError(.cluster, "cannot create \(tmp): errno \(errno)") }
        fchmod(fd, mode)   // the umask may have narrowed it; never widened beyond `mode`
        var ok = true
        data.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + off, raw.count - off)
                if n < 0 { if errno == EINTR { continue }; ok = false; return }
                off += n
            }
        }
        if ok { ok = fsync(fd) == 0 }
        close(fd)
        guard ok, rename(tmp, path) == 0 else {
            let e = errno
            unlink(tmp)
            throw PostgresError(.cluster, "cannot write \(path): errno \(e)")
        }
    }

    /// Creates `path` (and parents) and sets it to `mode`, refusing a symlink in its place.
    public static func makeDirectory(_ path: String, mode: mode_t) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
            throw PostgresError(.cluster, "\(path) is not a directory (a symlink or file is in its place)")
        }
        chmod(path, mode)
    }

    /// The mode bits (`st_mode & 0o7777`) of `path`, `nil` when it does not exist.
    public static func mode(_ path: String) -> mode_t? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return st.st_mode & 0o7777
    }
}
