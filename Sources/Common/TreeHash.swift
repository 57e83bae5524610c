import Foundation

/// The files of a directory tree and one SHA-256 over all of them, so an input that is a
/// directory (a DICOM series) is fingerprinted like a file: a changed, added, removed or renamed
/// file changes the digest.
public enum FileTree {
    /// Relative paths of every regular file under `directory` (recursive, hidden files included,
    /// symbolic links not followed), sorted by their UTF-8 bytes.
    /// - Throws: `CommonError(.io)` when the directory cannot be listed.
    public static func files(under directory: String) throws -> [String] {
        let root = URL(fileURLWithPath: directory, isDirectory: true)
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey],
                                                          options: [], errorHandler: { _, _ in false }) else {
            throw CommonError(.io, "cannot list \(directory)")
        }
        let prefix = root.standardizedFileURL.path + "/"
        var out: [String] = []
        for case let url as URL in walker {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
            let full = url.standardizedFileURL.path
            out.append(full.hasPrefix(prefix) ? String(full.dropFirst(prefix.count)) : url.lastPathComponent)
        }
        return out.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// The digest of a tree from its files' digests: SHA-256 of the lines `<sha256>  <path>\n`
    /// in path order — the output of `sha256sum` over the sorted file list, so
    /// `cd DIR && find . -type f | sed 's|^\./||' | LC_ALL=C sort | xargs -d '\n' sha256sum | sha256sum`
    /// reproduces it.
    public static func digest(of entries: [(path: String, sha256: String)]) -> String {
        let sorted = entries.sorted { Array($0.path.utf8).lexicographicallyPrecedes(Array($1.path.utf8)) }
        return SHA256.hex(string: sorted.map { "\($0.sha256)  \($0.path)\n" }.joined())
    }
}

extension SHA256 {
    /// SHA-256 of an input: a file's bytes, or for a directory `FileTree.digest` over its files.
    /// - Throws: `CommonError(.io)` when it cannot be read, or for a directory with no files.
    public static func input(at path: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return try file(at: path).hex
        }
        let names = try FileTree.files(under: path)
        guard !names.isEmpty else { throw CommonError(.io, "directory \(path) holds no files") }
        return FileTree.digest(of: try names.map { ($0, try file(at: path + "/" + $0).hex) })
    }
}
