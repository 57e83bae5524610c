import Foundation

/// Writes cohort files atomically: the bytes go to a hidden temporary file in the target's
/// directory, which is then renamed over the target, so a reader never sees a partial file.
/// Unlike `Common.AtomicFile` the data is not fsynced: a cohort is reproducible from its seed,
/// and 1 200 fsyncs cost more than generating the volumes (measured: ~16 ms per 2 MB file here).
enum CohortFile {
    /// - Throws: `PhantomError(.io)` naming the path.
    static func write(_ bytes: [UInt8], to path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw PhantomError(.io, "cannot create directory \(dir): \(error.localizedDescription)")
        }
        let name = (path as NSString).lastPathComponent
        let tmp = (dir as NSString).appendingPathComponent(".\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        guard FileManager.default.createFile(atPath: tmp, contents: Data(bytes)) else {
            throw PhantomError(.io, "cannot write \(tmp)")
        }
        if rename(tmp, path) != 0 {
            let e = errno
            try? FileManager.default.removeItem(atPath: tmp)
            throw PhantomError(.io, "cannot rename onto \(path): errno \(e)")
        }
    }
}
