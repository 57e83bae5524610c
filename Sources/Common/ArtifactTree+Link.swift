#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Hard links, directory creation, renames and `stat` inside the artifact store, confined to its
/// root like `read` and `remove` (every directory opened one component at a time with
/// `O_NOFOLLOW`, entries examined with `AT_SYMLINK_NOFOLLOW`).
///
/// Why: the stage cache (`runs/…` ↔ `cache/…`) shares files between directories by hard links,
/// so a job's attempt directory stays self-contained while its bytes are stored once. Cache
/// directories are as writable as the rest of the store: a symlink planted there must never make
/// a worker link, read or rename anything outside the root.
extension ArtifactTree {
    /// What `stat` found for one entry (never following a symlink).
    public struct EntryInfo: Sendable, Equatable {
        public var isRegularFile: Bool
        public var isDirectory: Bool
        public var isSymlink: Bool
        public var size: Int64
        /// Hard links to the file (1: removing it frees its bytes).
        public var links: Int
        /// Last modification, seconds since the epoch.
        public var modified: Double
    }

    /// Information on `root/relative` without following a symlink; nil when it does not exist.
    /// - Throws: `CommonError(.refused)` for a bad path or a symlink on the way; `.io` otherwise.
    public static func entryInfo(_ relative: String, root: String) throws -> EntryInfo? {
        let (parent, name) = try openParent(relative, root: root, create: false)
        guard let parent else { return nil }
        defer { close(parent) }
        var info = stat()
        guard fstatat(parent, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            if errno == ENOENT { return nil }
            throw CommonError(.io, "cannot examine artifact \(quoted(relative)): \(String(cString: strerror(errno)))")
        }
        let kind = info.st_mode & S_IFMT
        return EntryInfo(isRegularFile: kind == S_IFREG, isDirectory: kind == S_IFDIR, isSymlink: kind == S_IFLNK,
                         size: Int64(info.st_size), links: Int(info.st_nlink),
                         modified: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9)
    }

    /// Removes `root/relative` like `remove`, except that a symlink there is unlinked (as itself,
    /// never followed) instead of refused.
    public static func removeEntryItself(_ relative: String, root: String) throws -> Removal {
        let (parent, name) = try openParent(relative, root: root, create: false)
        guard let parent else { return Removal() }
        defer { close(parent) }
        var info = stat()
        guard fstatat(parent, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return Removal() }
        guard (info.st_mode & S_IFMT) == S_IFLNK else { return try remove(relative, root: root) }
        guard unlinkat(parent, name, 0) == 0 else {
            throw CommonError(.io, "cannot remove \(quoted(relative)): \(String(cString: strerror(errno)))")
        }
        var r = Removal()
        r.others = 1
        return r
    }

    /// Creates directory `root/relative` and its missing parents (none of them a symlink).
    /// - Throws: `CommonError(.refused)` for a bad path or a symlink on the way; `.storageFull`
    ///   on ENOSPC/EDQUOT; `.io` otherwise.
    public static func makeDirectories(_ relative: String, root: String) throws {
        let fd = try openDirectoryCreating(try components(relative), root: root, shown: relative)
        close(fd)
    }

    /// Why a hard link could not be made.
    public enum LinkFailure: Error, Sendable, Equatable {
        /// The source is missing, a symlink or not a regular file (nothing linked).
        case notARegularFile(String)
        /// The target already exists.
        case exists
        /// The file system refused (another file system, EPERM, too many links…): copy instead.
        case unsupported(String)
    }

    /// Hard-links regular file `root/from` as `root/to` (whose directory must exist). Never links
    /// a symlink or a special file and never follows one.
    /// - Throws: `LinkFailure` for the expected refusals; `CommonError` for a bad path or a
    ///   symlink on the way.
    public static func link(_ from: String, to: String, root: String) throws {
        let (src, srcName) = try openParent(from, root: root, create: false)
        guard let src else { throw LinkFailure.notARegularFile("\(quoted(from)) does not exist") }
        defer { close(src) }
        var info = stat()
        guard fstatat(src, srcName, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw LinkFailure.notARegularFile("\(quoted(from)): \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw LinkFailure.notARegularFile("\(quoted(from)) is not a regular file") }
        let (dst, dstName) = try openParent(to, root: root, create: false)
        guard let dst else { throw CommonError(.io, "the directory of \(quoted(to)) does not exist") }
        defer { close(dst) }
        // Flags 0: a symlink source would be linked as itself, never followed; it was refused above.
        guard linkat(src, srcName, dst, dstName, 0) == 0 else {
            let e = errno
            if e == EEXIST { throw LinkFailure.exists }
            if e == ENOENT { throw LinkFailure.notARegularFile("\(quoted(from)) vanished") }
            throw LinkFailure.unsupported(String(cString: strerror(e)))
        }
    }

    /// Renames directory `root/from` to `root/to` (whose parent is created) unless `to` exists.
    /// - Returns: false when `to` already exists (another writer got there first; `from` is left).
    /// - Throws: `CommonError` for a bad path, a symlink on the way, or another failure.
    public static func renameDirectory(_ from: String, to: String, root: String) throws -> Bool {
        let (src, srcName) = try openParent(from, root: root, create: false)
        guard let src else { throw CommonError(.io, "the directory of \(quoted(from)) does not exist") }
        defer { close(src) }
        let (dst, dstName) = try openParent(to, root: root, create: true)
        guard let dst else { throw CommonError(.io, "cannot create the directory of \(quoted(to))") }
        defer { close(dst) }
        var info = stat()
        if fstatat(dst, dstName, &info, AT_SYMLINK_NOFOLLOW) == 0 { return false }
        guard renameat(src, srcName, dst, dstName) == 0 else {
            let e = errno
            if e == EEXIST || e == ENOTEMPTY { return false }
            throw CommonError(.io, "cannot rename \(quoted(from)) to \(quoted(to)): \(String(cString: strerror(e)))")
        }
        return true
    }

    /// The open parent directory of `relative` (nil when it is missing and not `create`d) and the
    /// last component.
    private static func openParent(_ relative: String, root: String, create: Bool) throws -> (Int32?, String) {
        let parts = try components(relative)
        let parentParts = Array(parts.dropLast())
        if create { return (try openDirectoryCreating(parentParts, root: root, shown: relative), parts[parts.count - 1]) }
        return (try openDirectory(parentParts.joined(separator: "/"), root: root), parts[parts.count - 1])
    }

    private static func openDirectoryCreating(_ parts: [String], root: String, shown: String) throws -> Int32 {
        var current = posixOpen(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard current >= 0 else { throw CommonError(.io, "cannot open the artifact root \(root): \(String(cString: strerror(errno)))") }
        for part in parts {
            if mkdirat(current, part, 0o755) != 0 && errno != EEXIST {
                let e = errno
                close(current)
                if e == ENOSPC || e == EDQUOT { throw CommonError(.storageFull, "cannot create \(quoted(shown)): \(String(cString: strerror(e)))") }
                throw CommonError(.io, "cannot create \(quoted(shown)): \(String(cString: strerror(e)))")
            }
            let fd = posixOpenAt(current, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            let e = errno
            close(current)
            guard fd >= 0 else {
                if e == ELOOP || e == ENOTDIR {
                    throw CommonError(.refused, "artifact path \(quoted(shown)): \(quoted(part)) is a symlink or not a directory; symlinks in the artifact tree are not followed")
                }
                throw CommonError(.io, "cannot open \(quoted(shown)): \(String(cString: strerror(e)))")
            }
            current = fd
        }
        return current
    }
}
