import Foundation

extension SHA256 {
    /// SHA-256 of a file's bytes, read in 1 MiB chunks.
    /// - Returns: the digest (lowercase hex) and the file size in bytes.
    /// - Throws: `CommonError` when the file cannot be opened or read.
    public static func file(at path: String) throws -> (hex: String, size: Int64) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CommonError(.io, "cannot open \(path)")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        var size: Int64 = 0
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 1 << 20) ?? Data() } catch {
                throw CommonError(.io, "cannot read \(path): \(error)")
            }
            if chunk.isEmpty { break }
            size += Int64(chunk.count)
            hasher.update(chunk)
        }
        return (Hex.encode(hasher.finalize()), size)
    }
}
