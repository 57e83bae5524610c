#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Reading files of the artifact store by the relative paths the database holds.
///
/// Why: a result row's artifact paths are data, not trusted code paths. A path that is absolute,
/// holds `..` or `.`, or names a symlink anywhere inside the tree (a link to `/etc/shadow`, or a
/// directory link leaving the root) is refused with a clear error instead of being read into a
/// report. The walk opens one component at a time from the root with `O_NOFOLLOW`, so no
/// symlink is followed below the root, and the file must be a regular file.
public enum ArtifactTree {
    /// The components of a relative artifact path.
    /// - Throws: `CommonError(.refused)` for an empty or absolute path, or one with an empty,
    ///   `.` or `..` component or a NUL byte.
    public static func components(_ relative: String) throws -> [String] {
        guard !relative.isEmpty, !relative.hasPrefix("/") else {
            throw CommonError(.refused, "artifact path \(quoted(relative)) is absolute or empty; only paths relative to the artifact root are read")
        }
        let parts = relative.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for p in parts where p.isEmpty || p == "." || p == ".." || p.utf8.contains(0) {
            throw CommonError(.refused, "artifact path \(quoted(relative)) has a \(quoted(p)) component; refused (it could leave the artifact root)")
        }
        return parts
    }

    /// Reads `root/relative` without following any symlink below `root`, at most `budget` bytes.
    /// - Throws: `CommonError(.refused)` for a bad path, a symlink or a non-regular file;
    ///   `.tooLarge` past the budget; `.io` when it is missing or unreadable.
    public static func read(_ relative: String, root: String, budget: Int = 1 << 30) throws -> [UInt8] {
        let parts = try components(relative)
        var dir = posixOpen(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dir >= 0 else { throw CommonError(.io, "cannot open the artifact root \(root): \(String(cString: strerror(errno)))") }
        defer { close(dir) }
        for (i, part) in parts.enumerated() {
            let last = i == parts.count - 1
            let flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (last ? O_NONBLOCK : O_DIRECTORY)
            let fd = posixOpenAt(dir, part, flags)
            if fd < 0 {
                let e = errno
                var info = stat()
                if fstatat(dir, part, &info, AT_SYMLINK_NOFOLLOW) == 0, (info.st_mode & S_IFMT) == S_IFLNK {
                    throw CommonError(.refused, "artifact path \(quoted(relative)): \(quoted(part)) is a symlink; symlinks in the artifact tree are not followed")
                }
                throw CommonError(.io, "cannot open artifact \(quoted(relative)): \(String(cString: strerror(e)))")
            }
            if last {
                defer { close(fd) }
                var info = stat()
                guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
                    throw CommonError(.refused, "artifact \(quoted(relative)) is not a regular file")
                }
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
                return try ConfinedFile.readBounded(fd: fd, name: "artifact \(quoted(relative))", budget: budget)
            }
            close(dir)
            dir = fd
        }
        throw CommonError(.refused, "artifact path \(quoted(relative)) is empty")
    }

    /// A path for messages: quoted, control characters escaped, at most 200 characters.
    static func quoted(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars.prefix(200) {
            if u.value < 0x20 || u.value == 0x7F { out += String(format: "\\x%02X", u.value) } else { out.unicodeScalars.append(u) }
        }
        return "'" + out + "'"
    }
}
