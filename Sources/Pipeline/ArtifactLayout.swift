import Common

/// Where a job's artifacts live: `<root>/runs/<run>/<dataset>/<case>/attempt-<lease token>/`
/// (one directory per attempt; see `attemptDirectory`). Paths stored in the
/// database are relative to the root, so every machine can mount the shared store elsewhere.
///
/// Run names, dataset names and case ids come from users and manifests and may hold anything
/// (slashes, `..`, quotes, unicode, 10 kB strings). Each becomes one safe path component:
/// bytes outside `[A-Za-z0-9._-]` are percent-encoded, a leading `.` is encoded (no `.`/`..`
/// or hidden files), and a component longer than 96 bytes keeps its first 64 bytes plus `~` and
/// the first 16 hex digits of its SHA-256, so distinct ids stay distinct and file names stay
/// under the 255-byte limit.
public struct ArtifactLayout: Sendable {
    /// Absolute (or cwd-relative) artifact root.
    public let root: String

    public init(root: String) { self.root = root }

    /// The job directory relative to the root.
    public func relativeDirectory(run: String, dataset: String, caseId: String) -> String {
        "runs/\(Self.component(run))/\(Self.component(dataset))/\(Self.component(caseId))"
    }

    /// The directory one attempt of a job writes into, relative to the root:
    /// `<job directory>/attempt-<lease token>`. Every attempt has its own, so a stale worker
    /// (paused past its lease) writes only into its own directory and can never touch the files
    /// of the attempt whose completion won; the result row names the winner's directory.
    public func attemptDirectory(run: String, dataset: String, caseId: String, leaseToken: String) -> String {
        relativeDirectory(run: run, dataset: dataset, caseId: caseId) + "/" + Self.attemptPrefix + Self.component(leaseToken)
    }

    /// The name prefix of attempt directories.
    public static let attemptPrefix = "attempt-"

    /// The absolute path of a relative artifact path.
    public func absolute(_ relative: String) -> String { root.hasSuffix("/") ? root + relative : root + "/" + relative }

    /// Maps any string to one safe, injective path component (see the type's documentation).
    public static func component(_ raw: String) -> String {
        var out = ""
        let bytes = Array(raw.utf8)
        for (i, b) in bytes.enumerated() {
            let safe = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || b == 0x2D || b == 0x5F || (b == 0x2E && i > 0)
            if safe { out.unicodeScalars.append(UnicodeScalar(b)) }
            else { out += "%" + Hex.encode([b]).uppercased() }
        }
        if out.isEmpty { out = "%00empty" }
        if out.utf8.count > 96 {
            out = String(out.utf8.prefix(64))! + "~" + String(SHA256.hex(string: raw).prefix(16))
        }
        return out
    }
}
