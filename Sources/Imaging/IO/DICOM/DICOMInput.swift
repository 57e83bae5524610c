import Common
import Foundation

/// Recognising DICOM inputs and loading their bytes.
public enum DICOMInput {
    /// True for a Part 10 file: the `DICM` marker after the 128-byte preamble.
    public static func hasMarker(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 132 && bytes[128] == 0x44 && bytes[129] == 0x49 && bytes[130] == 0x43 && bytes[131] == 0x4D
    }

    /// True when `path` is a directory (read as DICOM series) or a file with the `DICM` marker
    /// or a `.dcm` extension.
    public static func isDICOM(path: String) -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return false }
        if isDirectory.boolValue || path.lowercased().hasSuffix(".dcm") { return true }
        guard let h = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? h.close() }
        return hasMarker([UInt8]((try? h.read(upToCount: 132)) ?? Data()))
    }

    /// The files of a DICOM input with their bytes: every regular file of a directory tree in
    /// `FileTree` order, or the one file. Refuses inputs over `budget` bytes before reading.
    /// - Throws: `ImagingError(.io)` when unreadable or empty, `.tooLarge` over the budget.
    public static func load(path: String, budget: Int) throws -> [(name: String, bytes: [UInt8])] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ImagingError(.io, "input is missing", file: path)
        }
        let names: [String]
        if isDirectory.boolValue {
            let base = directoryBase(path)
            do { names = try FileTree.files(under: path).map { base + "/" + $0 } } catch {
                throw ImagingError(.io, "cannot list the directory", file: path)
            }
            guard !names.isEmpty else { throw ImagingError(.io, "the directory holds no files", file: path) }
        } else {
            names = [path]
        }
        var total = 0
        for n in names {
            total += ((try? FileManager.default.attributesOfItem(atPath: n))?[.size] as? Int) ?? 0
        }
        guard total <= budget else {
            throw ImagingError(.tooLarge, "\(names.count) file(s) of \(total) bytes exceed the memory budget of \(budget) bytes", file: path)
        }
        return try names.map { n in
            guard let data = FileManager.default.contents(atPath: n) else { throw ImagingError(.io, "cannot read", file: n) }
            return (n, [UInt8](data))
        }
    }

    /// The input's SHA-256 from bytes already loaded by `load`: the file's own digest, or for a
    /// directory `FileTree.digest` over its files (names relative to `path`) — the same value
    /// `SHA256.input(at:)` computes at enqueue.
    public static func sha256(path: String, files: [(name: String, bytes: [UInt8])]) -> String {
        if files.count == 1, files[0].name == path { return SHA256.hex(files[0].bytes) }
        let prefix = directoryBase(path) + "/"
        return FileTree.digest(of: files.map { (String($0.name.dropFirst(prefix.count)), SHA256.hex($0.bytes)) })
    }

    /// `path` without a trailing slash (names of a directory's files are `base + "/" + relative`).
    static func directoryBase(_ path: String) -> String {
        path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }
}
