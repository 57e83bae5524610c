#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Atomic file writes: the bytes go to a temporary file in the same directory, are flushed, and
/// the file is renamed over the target, so a reader (or a worker that crashed half-way) never
/// sees a partial artifact.
///
/// Written with POSIX calls so the system's reason survives: a full disk or quota (ENOSPC,
/// EDQUOT) is `CommonError(.storageFull)`, which a worker treats as the store's problem, not the
/// job's; the temporary file is removed on every failure.
public enum AtomicFile {
    /// Writes `data` to `path` atomically, creating parent directories.
    /// - Parameter durable: flush the file to disk (fsync) before the rename, so it survives a
    ///   power loss once the call returns. Without it the rename still guarantees that readers
    ///   see the old file or the whole new one, never a part; per-job artifacts use that (an fsync
    ///   costs tens of milliseconds per file on a busy disk, and a lost artifact is re-made by
    ///   re-running its job).
    /// - Throws: `CommonError(.storageFull)` on ENOSPC/EDQUOT, else `CommonError(.io)`, naming the path.
    public static func write(_ data: Data, to path: String, durable: Bool = true) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            // mkdir's errno is not kept by Foundation's error: ask statvfs whether the device is full.
            var fs = statvfs()
            if (error as? CocoaError)?.code == .fileWriteOutOfSpace
                || (statvfs(Self.existingAncestor(dir.path), &fs) == 0 && (fs.f_bavail == 0 || fs.f_favail == 0)) {
                throw CommonError(.storageFull, "cannot create directory \(dir.path): no space left on the device")
            }
            throw CommonError(.io, "cannot create directory \(dir.path): \(error.localizedDescription)")
        }
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        let fd = posixOpenCreate(tmp)
        guard fd >= 0 else { throw failure(errno, "cannot create \(tmp)") }
        var ok = false
        defer { if !ok { unlink(tmp) } }
        var closed = false
        defer { if !closed { close(fd) } }
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var done = 0
            while done < raw.count {
                let n = posixWrite(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw failure(errno, "cannot write \(path)")
                }
                done += n
            }
        }
        if durable, fsync(fd) != 0 { throw failure(errno, "cannot flush \(path)") }
        closed = true
        if close(fd) != 0 { throw failure(errno, "cannot write \(path)") }
        if rename(tmp, path) != 0 { throw failure(errno, "cannot rename onto \(path)") }
        ok = true
    }

    /// Writes bytes atomically.
    public static func write(_ bytes: [UInt8], to path: String, durable: Bool = true) throws {
        try write(Data(bytes), to: path, durable: durable)
    }

    /// Writes a UTF-8 string atomically.
    public static func write(string: String, to path: String, durable: Bool = true) throws {
        try write(Data(string.utf8), to: path, durable: durable)
    }

    /// The nearest existing directory at or above `path`.
    static func existingAncestor(_ path: String) -> String {
        var p = path
        while !p.isEmpty, p != "/", !FileManager.default.fileExists(atPath: p) { p = (p as NSString).deletingLastPathComponent }
        return p.isEmpty ? "." : p
    }

    /// The error for a failed call: `.storageFull` for ENOSPC/EDQUOT, `.io` otherwise.
    static func failure(_ code: Int32, _ what: String) -> CommonError {
        let reason = String(cString: strerror(code))
        if code == ENOSPC || code == EDQUOT { return CommonError(.storageFull, "\(what): \(reason)") }
        return CommonError(.io, "\(what): \(reason)")
    }
}

private func posixOpenCreate(_ path: String) -> Int32 { open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644) }
private func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { write(fd, p, n) }
