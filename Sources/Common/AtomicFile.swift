import Foundation

/// Atomic file writes: the bytes go to a temporary file in the same directory, are flushed, and
/// the file is renamed over the target, so a reader (or a worker that crashed half-way) never
/// sees a partial artifact.
public enum AtomicFile {
    /// Writes `data` to `path` atomically, creating parent directories.
    /// - Parameter durable: flush the file to disk (fsync) before the rename, so it survives a
    ///   power loss once the call returns. Without it the rename still guarantees that readers
    ///   see the old file or the whole new one, never a part; per-job artifacts use that (an fsync
    ///   costs tens of milliseconds per file on a busy disk, and a lost artifact is re-made by
    ///   re-running its job).
    /// - Throws: `CommonError(.io)` naming the path.
    public static func write(_ data: Data, to path: String, durable: Bool = true) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw CommonError(.io, "cannot create directory \(dir.path): \(error.localizedDescription)")
        }
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        guard FileManager.default.createFile(atPath: tmp.path, contents: nil) else {
            throw CommonError(.io, "cannot create \(tmp.path)")
        }
        do {
            let handle = try FileHandle(forWritingTo: tmp)
            try handle.write(contentsOf: data)
            if durable { try handle.synchronize() }
            try handle.close()
            if rename(tmp.path, path) != 0 {
                throw CommonError(.io, "cannot rename onto \(path): errno \(errno)")
            }
        } catch let e as CommonError {
            try? FileManager.default.removeItem(at: tmp)
            throw e
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw CommonError(.io, "cannot write \(path): \(error.localizedDescription)")
        }
    }

    /// Writes bytes atomically.
    public static func write(_ bytes: [UInt8], to path: String, durable: Bool = true) throws {
        try write(Data(bytes), to: path, durable: durable)
    }

    /// Writes a UTF-8 string atomically.
    public static func write(string: String, to path: String, durable: Bool = true) throws {
        try write(Data(string.utf8), to: path, durable: durable)
    }
}
