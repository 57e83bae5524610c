import Common
import Evaluation
import Foundation
import Queue

/// Renders a run's report (optionally against a comparison run) into a directory:
/// report.md, report.json, a self-contained report.html (gallery images inlined as data URIs)
/// and images/ with the gallery's PNGs for the Markdown file.
///
/// Everything written depends only on the database's content and the artifacts, never on the
/// time of rendering, so two renders give byte-identical files.
///
/// Images are read only under the artifact root (`ArtifactTree`): an artifact path from the
/// database that is absolute or holds `..`, or a symlink anywhere in the artifact tree, fails the
/// report with a clear error instead of being inlined.
public enum ReportWriter {
    /// What was written.
    public struct Output: Sendable {
        public let report: Report
        public let files: [String]
    }

    /// Builds and writes the report.
    /// - Throws: `PipelineError(.report)` when the run has no finished job (nothing to report);
    ///   `PipelineError(.artifacts)` when an artifact path is refused (outside the root, a
    ///   symlink, not a regular file); `CommonError(.io)` when a file cannot be written.
    public static func write(run: (RunInfo, [JobRecord]), compare: (RunInfo, [JobRecord])?,
                             artifactRoot: String, outDir: String, title: String? = nil) throws -> Output {
        var sources: [String: String] = [:]   // report-relative image path → artifact path (relative to the root)
        func mapper(_ runName: String) -> (String) -> String? {
            { rel in
                // A short, URL-safe, deterministic name (the artifact path may hold anything).
                let kind = [.cam, .camThumb].contains(ArtifactLayout.Artifact(path: rel)) ? "cam" : "preview"
                let local = "images/" + SHA256.hex(string: runName + "\n" + stableName(rel)).prefix(20) + "-" + kind + ".png"
                sources[local] = rel
                return local
            }
        }
        let main = ReportAssembler.runInput(run: run.0, jobs: run.1, imagePath: mapper(run.0.name))
        guard main.finishedCases > 0 else {
            let pending = run.1.filter { $0.state.isPending }.count
            throw PipelineError(.report, "run \"\(run.0.name.prefix(80))\" has no finished jobs yet (\(run.1.count) jobs, \(pending) queued or running): nothing to report")
        }
        let other = compare.map { ReportAssembler.runInput(run: $0.0, jobs: $0.1, imagePath: mapper($0.0.name)) }
        let report = buildReport(ReportInput(title: title, run: main, comparison: other,
                                             stageOrder: ["read", "nmf", "slice", "segmentation", "resample", "classify", "write", "groundtruth"]))

        // Only the gallery's images are copied / inlined.
        var used = Set<String>()
        for r in report.runs { for d in r.datasets { for g in d.gallery {
            if let p = g.previewPath { used.insert(p) }
            if let p = g.camPath { used.insert(p) }
        } } }
        var written: [String] = []
        var inline: [String: String] = [:]
        for local in used.sorted() {
            guard let src = sources[local] else { continue }
            let data: Data
            do { data = Data(try ArtifactTree.read(src, root: artifactRoot, budget: 64 << 20)) }
            catch let e as CommonError where e.code == .io { continue }   // a missing image: left out, as before
            catch { throw PipelineError(.artifacts, "report: \(error)") }
            try AtomicFile.write(data, to: outDir + "/" + local)
            written.append(local)
            inline[local] = "data:image/png;base64," + data.base64EncodedString()
        }
        for (name, contents) in report.renderedFiles() {
            let text = name.hasSuffix(".html") ? inlineImages(contents, inline) : contents
            try AtomicFile.write(string: text, to: outDir + "/" + name)
            written.append(name)
        }
        return Output(report: report, files: written)
    }

    /// An artifact path without its attempt directory (`…/<case>/attempt-<token>/file` →
    /// `…/<case>/file`), so a report's image names do not depend on which lease token won.
    static func stableName(_ rel: String) -> String {
        var parts = rel.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count >= 2, parts[parts.count - 2].hasPrefix(ArtifactLayout.attemptPrefix) { parts.remove(at: parts.count - 2) }
        return parts.joined(separator: "/")
    }

    /// Replaces every `src="LOCAL"` whose LOCAL is a key of `uris` by its data URI, in one pass
    /// over the UTF-8 bytes (Foundation's replacingOccurrences is quadratic-ish on Linux and took
    /// minutes on a few-MB report).
    static func inlineImages(_ html: String, _ uris: [String: String]) -> String {
        guard !uris.isEmpty else { return html }
        let bytes = Array(html.utf8)
        let marker = Array("src=\"".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + uris.values.reduce(0) { $0 + $1.utf8.count })
        var i = 0
        while i < bytes.count {
            if bytes[i] == marker[0], i + marker.count <= bytes.count, Array(bytes[i..<(i + marker.count)]) == marker,
               let close = bytes[(i + marker.count)...].firstIndex(of: UInt8(ascii: "\"")) {
                let value = String(decoding: bytes[(i + marker.count)..<close], as: UTF8.self)
                out += marker
                if let uri = uris[value] { out += Array(uri.utf8) } else { out += bytes[(i + marker.count)..<close] }
                out.append(UInt8(ascii: "\""))
                i = close + 1
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
