import Common
import Foundation
import Imaging

/// The stage cache ("work done once"): `<artifact root>/cache/<key[0..2]>/<key>/` holds one
/// job's preprocessing outputs in its run's artifact format (base, segmented, mask, preview) and
/// `entry.json` (`StageCacheEntry`). A job whose key was computed before hard-links the entry's
/// files into its attempt directory and skips NMF, slice preprocessing and segmentation.
///
/// Why hard links: each attempt directory stays self-contained (pruning another run, or the
/// cache, cannot break it) while the bytes are stored once. Why the checks: entries live in a
/// shared, writable store; a truncated or altered file, a junk `entry.json` or a planted symlink
/// is never used — the job recomputes, says so in its metrics, and replaces the entry. Every
/// path goes through `ArtifactTree` (no symlink followed, nothing outside the root).
struct StageCache {
    let layout: ArtifactLayout

    /// The cache's directory under the artifact root.
    static let directory = "cache"
    /// Where entries are assembled before their atomic rename into place.
    static let tmpDirectory = "cache/tmp"
    static let entryFile = "entry.json"

    /// The files an entry holds, in this order.
    static func artifacts(preview: Bool) -> [ArtifactLayout.Artifact] { preview ? [.base, .segmented, .mask, .preview] : [.base, .segmented, .mask] }

    /// An entry's directory relative to the root.
    static func entryDirectory(_ key: String) -> String { directory + "/" + String(key.prefix(2)) + "/" + key }

    enum Lookup {
        case miss
        case hit(StageOutputs, notes: [String])
        /// An entry exists but cannot be used (why); nothing of it is left in the attempt directory.
        case damaged(String)
    }

    /// Looks `key` up and, on a hit, hard-links (or copies) the entry's files into the writer's
    /// directory, checks them against their recorded sizes and SHA-256 and reads them back.
    /// - Throws: `CommonError` when the attempt directory cannot be created (the store's
    ///   problem, not the entry's).
    func lookup(_ key: StageCacheKey, hex: String, writer: inout ArtifactWriter) throws -> Lookup {
        let dir = Self.entryDirectory(hex)
        var linked: [String] = []
        do { guard try ArtifactTree.entryInfo(dir, root: layout.root) != nil else { return .miss } }
        catch { return .damaged("entry \(dir) damaged: \(error)") }   // e.g. a symlink on the way
        try ArtifactTree.makeDirectories(writer.directory, root: layout.root)
        do {
            guard let info = try ArtifactTree.entryInfo(dir, root: layout.root) else { return .miss }
            guard info.isDirectory else { return .damaged("entry \(dir) damaged: it is not a directory") }
            let entry: StageCacheEntry
            do {
                let bytes = try ArtifactTree.read(dir + "/" + Self.entryFile, root: layout.root, budget: 16 << 20)
                entry = try JSONDecoder().decode(StageCacheEntry.self, from: Data(bytes))
            } catch let e as DecodingError {
                return .damaged("entry \(dir) damaged: \(Self.entryFile) does not parse (\(String(describing: e).prefix(120)))")
            }
            guard entry.key == hex, entry.inputs == key else { return .damaged("entry \(dir) damaged: \(Self.entryFile) describes another key") }
            var notes: [String] = []
            var bytesOf: [ArtifactLayout.Artifact: [UInt8]] = [:]
            for a in Self.artifacts(preview: key.preview) {
                guard let record = entry.files[a.key], record.name == a.fileName(key.artifactFormat) else {
                    return .damaged("entry \(dir) damaged: no \(a.key) file recorded")
                }
                let target = writer.relative(a)
                if let copied = try Self.place(dir + "/" + record.name, at: target, root: layout.root) { notes.append(copied) }
                linked.append(target)
                // The attempt's own link is what is checked and read: nothing can change between
                // the check and the use.
                let bytes = try ArtifactTree.read(target, root: layout.root, budget: 4 << 30)
                guard Int64(bytes.count) == record.size else {
                    throw Damage("\(record.name) has \(bytes.count) bytes, \(record.size) recorded")
                }
                guard SHA256.hex(bytes) == record.sha256 else { throw Damage("\(record.name) differs from its recorded SHA-256") }
                bytesOf[a] = bytes
            }
            let base = try Self.volume(bytesOf[.base]!, .base, entry)
            let segmented = try Self.volume(bytesOf[.segmented]!, .segmented, entry)
            let mask = try VolumeReader.read(bytes: bytesOf[.mask]!, name: entry.files[ArtifactLayout.Artifact.mask.key]!.name).volume
            guard base.slices == segmented.slices, base.height == segmented.height, base.width == segmented.width,
                  mask.data.count == base.data.count else { throw Damage("its images' shapes disagree") }
            for a in Self.artifacts(preview: key.preview) { writer.adopt(a, quantisation: entry.quantisation[a.key]) }
            return .hit(StageOutputs(base: base, segmented: segmented, masks: mask.data.map { UInt8($0) }, metrics: entry.preprocess), notes: notes)
        } catch let e as CommonError where e.code == .storageFull {
            // A full store is the store's problem, not the entry's: the worker pauses on it.
            for path in linked { _ = try? ArtifactTree.remove(path, root: layout.root) }
            throw e
        } catch {
            for path in linked { _ = try? ArtifactTree.remove(path, root: layout.root) }
            let why = (error as? Damage)?.text ?? "\(error)"
            return .damaged("entry \(dir) damaged: \(why)")
        }
    }

    /// Publishes the stage outputs the writer just wrote as the entry of `key`: hard-links them
    /// into a temporary directory under `cache/tmp/`, writes `entry.json`, renames the directory
    /// into place. A damaged entry in the way (`replacing`) is removed first; an entry another
    /// worker published meanwhile wins (the temporary directory is discarded).
    /// - Returns: the entry's directory, or nil when another worker's entry won; notes.
    func publish(_ key: StageCacheKey, hex: String, writer: ArtifactWriter, metrics: PreprocessMetrics,
                 replacing: Bool) throws -> (entry: String?, notes: [String]) {
        let tmp = Self.tmpDirectory + "/" + UUID().uuidString.lowercased()
        var notes: [String] = []
        var files: [String: StageCacheEntry.File] = [:]
        do {
            try ArtifactTree.makeDirectories(tmp, root: layout.root)
            for a in Self.artifacts(preview: key.preview) {
                guard let source = writer.written[a.key] else { throw PipelineError(.input, "\(a.key) was not written") }
                let name = a.fileName(key.artifactFormat)
                if let copied = try Self.place(source, at: tmp + "/" + name, root: layout.root) { notes.append(copied) }
                let bytes = try ArtifactTree.read(tmp + "/" + name, root: layout.root, budget: 4 << 30)
                files[a.key] = .init(name: name, sha256: SHA256.hex(bytes), size: Int64(bytes.count))
            }
            let entry = StageCacheEntry(key: hex, inputs: key, preprocess: metrics,
                                        quantisation: writer.quantisation.filter { k, _ in files[k] != nil }, files: files)
            try AtomicFile.write(string: try CanonicalJSON.string(entry, pretty: true) + "\n",
                                 to: layout.absolute(tmp + "/" + Self.entryFile), durable: false)
            let dir = Self.entryDirectory(hex)
            if replacing {
                // Moved aside in one rename first, so a concurrent lookup never meets a
                // half-removed entry (it finds the old one whole, or none).
                let stale = Self.tmpDirectory + "/stale-" + UUID().uuidString.lowercased()
                if (try? ArtifactTree.renameDirectory(dir, to: stale, root: layout.root)) == true {
                    _ = try ArtifactTree.removeEntryItself(stale, root: layout.root)
                }
            }
            if try ArtifactTree.renameDirectory(tmp, to: dir, root: layout.root) { return (dir, notes) }
            _ = try? ArtifactTree.remove(tmp, root: layout.root)
            return (nil, notes + ["another worker published the entry first"])
        } catch {
            _ = try? ArtifactTree.remove(tmp, root: layout.root)
            throw error
        }
    }

    /// Hard-links `from` as `to`; copies when the file system refuses links.
    /// - Returns: a note when the file was copied.
    static func place(_ from: String, at to: String, root: String) throws -> String? {
        do {
            try ArtifactTree.link(from, to: to, root: root)
            return nil
        } catch ArtifactTree.LinkFailure.unsupported(let why) {
            let bytes = try ArtifactTree.read(from, root: root, budget: 4 << 30)
            try AtomicFile.write(bytes, to: ArtifactLayout(root: root).absolute(to), durable: false)
            return "\(from.split(separator: "/").last ?? "") copied, not hard-linked (\(why))"
        } catch ArtifactTree.LinkFailure.notARegularFile(let why) {
            throw Damage(why)
        } catch ArtifactTree.LinkFailure.exists {
            throw Damage("\(to) already exists in the attempt directory")
        }
    }

    /// A stored volume's values (dequantised with the entry's record in the compact format).
    static func volume(_ bytes: [UInt8], _ a: ArtifactLayout.Artifact, _ entry: StageCacheEntry) throws -> Volume {
        let stored = try VolumeReader.read(bytes: bytes, name: entry.files[a.key]?.name ?? a.fileName(entry.inputs.artifactFormat)).volume
        guard entry.inputs.artifactFormat == .compact else { return stored }
        guard let q = entry.quantisation[a.key] else { throw Damage("no quantisation record for \(a.key)") }
        return try q.dequantise(stored, name: a.key)
    }

    struct Damage: Error { let text: String; init(_ text: String) { self.text = text } }
}

/// `entry.json`: what an entry holds and how it was made.
struct StageCacheEntry: Codable, Equatable {
    struct File: Codable, Equatable {
        var name: String
        var sha256: String
        var size: Int64
    }
    var version = 1
    /// `StageCacheKey.hex()` of `inputs`.
    var key: String
    /// The key's fields in clear.
    var inputs: StageCacheKey
    /// The chain's metrics when the entry was computed (its stage timings included).
    var preprocess: PreprocessMetrics
    /// Per artifact key: the compact format's quantisation records.
    var quantisation: [String: ArtifactQuantisation]
    /// Per artifact key: the file, its SHA-256 and size.
    var files: [String: File]
}
