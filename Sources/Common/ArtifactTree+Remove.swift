#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Listing and removing parts of the artifact store, confined to its root like `read`.
///
/// Why: `kneeflow prune` deletes by paths it derives from run names and directory listings of a
/// shared store. A symlink planted anywhere in the tree (`runs/r -> /home`) must never make it
/// delete outside the root: every directory is opened one component at a time from the root
/// with `O_NOFOLLOW`, entries are examined with `AT_SYMLINK_NOFOLLOW`, and a symlink found
/// inside a removed tree is unlinked itself, never followed.
extension ArtifactTree {
    /// What a removal took away: regular files and the bytes freed, other entries (symlinks,
    /// FIFOs…) and directories. A file with another hard link (a stage-cache entry's, another
    /// job's) frees nothing when unlinked: its bytes are counted only for the last link
    /// (`st_nlink` 1 just before the unlink), and it is counted in `shared`.
    public struct Removal: Sendable, Equatable {
        public var files = 0
        public var bytes: Int64 = 0
        public var directories = 0
        public var others = 0
        /// Files removed whose data another hard link keeps (0 bytes freed).
        public var shared = 0
        public init() {}
        public static func + (a: Removal, b: Removal) -> Removal {
            var r = a
            r.files += b.files; r.bytes += b.bytes; r.directories += b.directories; r.others += b.others; r.shared += b.shared
            return r
        }
    }

    /// The entries of directory `root/relative` ("" for the root) with whether each is a real
    /// directory (a symlink to one is not). A missing directory has no entries.
    /// - Throws: `CommonError(.refused)` for a bad path or a symlink on the way, `.io` otherwise.
    public static func entries(_ relative: String, root: String) throws -> [(name: String, isDirectory: Bool)] {
        guard let fd = try openDirectory(relative, root: root) else { return [] }
        return try list(fd: fd, closing: true).map { ($0.name, $0.isDirectory) }
    }

    /// Removes `root/relative` — a file, or a directory with everything under it — without
    /// following any symlink; a path that does not exist removes nothing.
    /// - Throws: `CommonError(.refused)` for a bad path, or when the path itself or a directory
    ///   on the way is a symlink; `.io` when something cannot be removed.
    public static func remove(_ relative: String, root: String) throws -> Removal {
        let parts = try components(relative)
        let parentPath = parts.dropLast().joined(separator: "/")
        guard let parent = try openDirectory(parentPath, root: root) else { return Removal() }
        defer { close(parent) }
        let name = parts[parts.count - 1]
        var info = stat()
        guard fstatat(parent, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            if errno == ENOENT { return Removal() }
            throw CommonError(.io, "cannot examine artifact \(quoted(relative)): \(String(cString: strerror(errno)))")
        }
        if (info.st_mode & S_IFMT) == S_IFLNK {
            throw CommonError(.refused, "artifact path \(quoted(relative)) is a symlink; symlinks in the artifact tree are not followed")
        }
        return try removeEntry(parent: parent, name: name, info: info, shown: relative)
    }

    /// Opens `root/relative` as a directory one component at a time with `O_NOFOLLOW`; nil when
    /// some component does not exist.
    static func openDirectory(_ relative: String, root: String) throws -> Int32? {
        let dir = posixOpen(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dir >= 0 else {
            if errno == ENOENT { return nil }
            throw CommonError(.io, "cannot open the artifact root \(root): \(String(cString: strerror(errno)))")
        }
        var current = dir
        for part in relative.isEmpty ? [] : try components(relative) {
            let fd = posixOpenAt(current, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            let e = errno
            if fd < 0 {
                var info = stat()
                let isLink = fstatat(current, part, &info, AT_SYMLINK_NOFOLLOW) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
                close(current)
                if isLink { throw CommonError(.refused, "artifact path \(quoted(relative)): \(quoted(part)) is a symlink; symlinks in the artifact tree are not followed") }
                if e == ENOENT || e == ENOTDIR { return nil }
                throw CommonError(.io, "cannot open artifact directory \(quoted(relative)): \(String(cString: strerror(e)))")
            }
            close(current)
            current = fd
        }
        return current
    }

    /// The entries of an open directory (`.` and `..` left out), each examined without
    /// following links. Closes `fd` when `closing`.
    private static func list(fd: Int32, closing: Bool) throws -> [(name: String, isDirectory: Bool, info: stat)] {
        let copy = dup(fd)
        if closing { close(fd) }
        guard copy >= 0, let stream = fdopendir(copy) else {
            throw CommonError(.io, "cannot list an artifact directory: \(String(cString: strerror(errno)))")
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return try names.sorted().map { name in
            var info = stat()
            guard fstatat(dirfd(stream), name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
                throw CommonError(.io, "cannot examine \(quoted(name)): \(String(cString: strerror(errno)))")
            }
            return (name, (info.st_mode & S_IFMT) == S_IFDIR, info)
        }
    }

    private static func removeEntry(parent: Int32, name: String, info: stat, shown: String) throws -> Removal {
        var removal = Removal()
        if (info.st_mode & S_IFMT) == S_IFDIR {
            let fd = posixOpenAt(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { throw CommonError(.io, "cannot open \(quoted(shown)): \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            for entry in try list(fd: fd, closing: false) {
                removal = removal + (try removeEntry(parent: fd, name: entry.name, info: entry.info, shown: shown + "/" + entry.name))
            }
            guard unlinkat(parent, name, AT_REMOVEDIR) == 0 else {
                throw CommonError(.io, "cannot remove directory \(quoted(shown)): \(String(cString: strerror(errno)))")
            }
            removal.directories += 1
        } else {
            // The link count now, not when the directory was listed: an earlier unlink in this
            // removal may have dropped it to 1.
            var now = info
            if fstatat(parent, name, &now, AT_SYMLINK_NOFOLLOW) != 0 { now = info }
            let links = Int(now.st_nlink)
            guard unlinkat(parent, name, 0) == 0 else {
                throw CommonError(.io, "cannot remove \(quoted(shown)): \(String(cString: strerror(errno)))")
            }
            if (info.st_mode & S_IFMT) == S_IFREG {
                removal.files += 1
                if links <= 1 { removal.bytes += Int64(now.st_size) } else { removal.shared += 1 }
            } else { removal.others += 1 }
        }
        return removal
    }
}
