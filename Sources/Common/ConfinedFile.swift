#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The C calls, reachable from types that have members of the same names.
func posixOpen(_ path: String, _ flags: Int32) -> Int32 { open(path, flags) }
func posixOpenAt(_ dir: Int32, _ name: String, _ flags: Int32) -> Int32 { openat(dir, name, flags) }
func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { read(fd, buffer, count) }

/// Reading input files that must stay inside a root directory (a run's input root).
///
/// Why: input paths come from manifests and directories other users control. A path that
/// resolves outside the root (absolute, `../`, a symlink leaving it), a FIFO or device (which
/// would block a worker or stream forever) or a file larger than the memory budget (whatever its
/// `st_size` claims) is refused with a clear `CommonError(.refused / .tooLarge)`.
///
/// The check is made twice: on the path (`realpath`, at enqueue and before opening) and on the
/// opened descriptor (`/proc/self/fd/N`, `fstat`), so a file swapped for a symlink between the
/// check and the open is caught. Symlinks that stay inside the root are followed.
public enum ConfinedFile {
    /// The canonical absolute path of a root directory.
    /// - Throws: `CommonError(.refused)` when it does not exist or is not a directory.
    public static func canonicalRoot(_ root: String) throws -> String {
        guard let real = realPath(root) else {
            throw CommonError(.refused, "input root \(root) does not exist or cannot be resolved")
        }
        var info = stat()
        guard stat(real, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw CommonError(.refused, "input root \(root) is not a directory")
        }
        return real
    }

    /// True when `path` (canonical) is `root` (canonical) or inside it.
    public static func isUnder(_ path: String, root: String) -> Bool {
        if root == "/" { return path.hasPrefix("/") }
        return path == root || path.hasPrefix(root + "/")
    }

    /// Resolves `path` (symlinks, `..`) and checks the result lies under `root`.
    /// - Returns: the canonical path.
    /// - Throws: `CommonError(.refused)` naming the path when it is missing or leaves the root.
    public static func resolve(_ path: String, under root: String) throws -> String {
        let root = try canonicalRoot(root)
        guard let real = realPath(path) else {
            throw CommonError(.refused, "input \(path) does not exist or cannot be resolved")
        }
        guard isUnder(real, root: root) else {
            throw CommonError(.refused, "input \(path) resolves to \(real), outside the input root \(root)")
        }
        return real
    }

    /// Opens a regular file under `root` for reading, without blocking (a FIFO or device is
    /// refused, not waited on). The caller closes the descriptor.
    /// - Throws: `CommonError(.refused)` outside the root / not a regular file / swapped for a
    ///   symlink since resolution; `.io` when it cannot be opened.
    public static func open(_ path: String, under root: String) throws -> Int32 {
        let canonicalRoot = try canonicalRoot(root)
        let real = try resolve(path, under: canonicalRoot)
        // O_NOFOLLOW: the resolved path's last component must not have become a symlink since.
        // O_NONBLOCK: opening a FIFO without a writer returns at once instead of blocking.
        let fd = posixOpen(real, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let e = errno
            if e == ELOOP { throw CommonError(.refused, "input \(path) was replaced by a symlink after it was checked") }
            throw CommonError(.io, "cannot open input \(path): \(String(cString: strerror(e)))")
        }
        do {
            var info = stat()
            guard fstat(fd, &info) == 0 else { throw CommonError(.io, "cannot stat input \(path): \(String(cString: strerror(errno)))") }
            guard (info.st_mode & S_IFMT) == S_IFREG else {
                throw CommonError(.refused, "input \(path) is not a regular file (\(kind(info.st_mode)))")
            }
            // The descriptor's own path: what was really opened.
            guard let opened = realPath("/proc/self/fd/\(fd)") else {
                throw CommonError(.io, "cannot check which file input \(path) opened (/proc/self/fd unreadable: is /proc mounted?)")
            }
            guard isUnder(opened, root: canonicalRoot) else {
                throw CommonError(.refused, "input \(path) opened as \(opened), outside the input root \(canonicalRoot)")
            }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
            return fd
        } catch {
            close(fd)
            throw error
        }
    }

    /// Reads a whole confined input into memory, at most `budget` bytes: the read stops at the
    /// budget whatever `st_size` says (a file that grows, a special file behind a symlink).
    /// - Throws: as `open`, plus `CommonError(.tooLarge)` past the budget, `.io` on a read error.
    public static func read(_ path: String, under root: String, budget: Int) throws -> [UInt8] {
        let fd = try open(path, under: root)
        defer { close(fd) }
        return try readBounded(fd: fd, name: path, budget: budget)
    }

    /// SHA-256 and size of a confined input, streamed (no budget: nothing is kept), stopping
    /// with an error if the file grows past the size it had when opened.
    public static func sha256(_ path: String, under root: String) throws -> (hex: String, size: Int64) {
        let fd = try open(path, under: root)
        defer { close(fd) }
        var info = stat()
        _ = fstat(fd, &info)
        let limit = Int64(info.st_size)
        var hasher = SHA256()
        var size: Int64 = 0
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let got = try readSome(fd: fd, into: &chunk, count: chunk.count, name: path)
            if got == 0 { break }
            size += Int64(got)
            if size > limit { throw CommonError(.tooLarge, "input \(path) grew while it was being hashed (more than \(limit) bytes)") }
            hasher.update(chunk[0..<got])
        }
        return (Hex.encode(hasher.finalize()), size)
    }

    /// Reads from an open descriptor until its end, refusing more than `budget` bytes.
    public static func readBounded(fd: Int32, name: String, budget: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            // One byte past the budget tells "exactly at the budget" from "over it".
            let want = min(chunk.count, budget + 1 - out.count)
            let got = try readSome(fd: fd, into: &chunk, count: want, name: name)
            if got == 0 { return out }
            out += chunk[0..<got]
            if out.count > budget {
                throw CommonError(.tooLarge, "\(name) holds more than the memory budget of \(budget) bytes; read stopped there")
            }
        }
    }

    static func readSome(fd: Int32, into buffer: inout [UInt8], count: Int, name: String) throws -> Int {
        while true {
            let got = buffer.withUnsafeMutableBytes { posixRead(fd, $0.baseAddress, count) }
            if got >= 0 { return got }
            if errno == EINTR { continue }
            throw CommonError(.io, "cannot read \(name): \(String(cString: strerror(errno)))")
        }
    }

    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        case S_IFLNK: return "a symlink"
        default: return "mode \(String(mode, radix: 8))"
        }
    }
}
