#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Inputs that are directories (a DICOM series): the directory must resolve under the input
/// root, and every file of it is opened as a confined file (`ConfinedFile.open`), so a symlink in
/// the series leaving the root, a FIFO or a device among its files refuses the whole input.
extension ConfinedFile {
    /// Whether `path` resolves (under `root`) to a directory. Never opens it, so a FIFO does not
    /// block.
    /// - Throws: `CommonError(.refused)` when it is missing or outside the root.
    public static func isDirectory(_ path: String, under root: String) throws -> Bool {
        let real = try resolve(path, under: root)
        var info = stat()
        guard stat(real, &info) == 0 else { throw CommonError(.io, "cannot stat input \(path): \(String(cString: strerror(errno)))") }
        return (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// The files of a directory input (relative names, `FileTree` order).
    /// - Throws: `CommonError(.refused)` outside the root; `.io` when it holds no file.
    public static func treeFiles(_ path: String, under root: String) throws -> [String] {
        let real = try resolve(path, under: root)
        let names = try FileTree.files(under: real)
        guard !names.isEmpty else { throw CommonError(.io, "input directory \(path) holds no files") }
        return names
    }

    /// Checks an input can be read under `root` without reading it: a regular file, or a
    /// directory whose every file is one (each opened non-blocking and closed).
    /// - Throws: as `open`.
    public static func check(_ path: String, under root: String) throws {
        if try isDirectory(path, under: root) {
            let base = path.hasSuffix("/") ? String(path.dropLast()) : path
            for name in try treeFiles(path, under: root) { close(try open(base + "/" + name, under: root)) }
        } else {
            close(try open(path, under: root))
        }
    }

    /// SHA-256 of a confined input: a file's own, or for a directory `FileTree.digest` over its
    /// files (each confined) — what `SHA256.input(at:)` computes for an unconfined path.
    public static func inputSHA256(_ path: String, under root: String) throws -> String {
        guard try isDirectory(path, under: root) else { return try sha256(path, under: root).hex }
        let base = path.hasSuffix("/") ? String(path.dropLast()) : path
        return FileTree.digest(of: try treeFiles(path, under: root).map { ($0, try sha256(base + "/" + $0, under: root).hex) })
    }

    /// Reads every file of a confined input (the one file, or a directory's files in `FileTree`
    /// order, named `path/relative`), at most `budget` bytes in all.
    /// - Throws: as `read`; `CommonError(.tooLarge)` when the files together pass the budget.
    public static func readInput(_ path: String, under root: String, budget: Int) throws -> [(name: String, bytes: [UInt8])] {
        guard try isDirectory(path, under: root) else { return [(path, try read(path, under: root, budget: budget))] }
        let base = path.hasSuffix("/") ? String(path.dropLast()) : path
        var remaining = budget
        return try treeFiles(path, under: root).map { name in
            let file = base + "/" + name
            do {
                let bytes = try read(file, under: root, budget: remaining)
                remaining -= bytes.count
                return (file, bytes)
            } catch let e as CommonError where e.code == .tooLarge {
                throw CommonError(.tooLarge, "input directory \(path) holds more than the memory budget of \(budget) bytes; read stopped at \(name)")
            }
        }
    }
}
