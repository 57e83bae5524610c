import Common
import Foundation
import Queue

/// Turns a `--dataset NAME=PATH` argument into jobs: PATH is an MRNet-layout directory
/// (`CohortLayout`: `<dir>/<plane>/<case>.npy`, labels in `<dir>-acl.csv` beside it, lines
/// `case,label`) or a
/// manifest CSV with header `case,path,label` (paths relative to the manifest's directory).
/// Problems (missing files, bad lines) are collected one by one; the rest is returned.
///
/// Every input must resolve (`realpath`: symlinks, `..`) under the dataset's input root — by
/// default the dataset directory (MRNet layout) or the manifest's directory, else the root given
/// (`kneeflow enqueue --input-root`). An input outside it (an absolute path elsewhere, `../`, a
/// symlink leaving the root) is refused on its own line; each job records the canonical root, and
/// the worker checks it again when it reads (`ConfinedFile`).
public enum CaseSource {
    public struct Listing: Sendable {
        public var jobs: [NewJob] = []
        /// One line per skipped case or line.
        public var problems: [String] = []
        /// Notes that skip nothing (e.g. no labels file).
        public var warnings: [String] = []
        /// Where each job came from (`file:line` or `dataset D: case C`), for messages.
        var origins: [String] = []

        /// Keeps the jobs whose input resolves under `root` (canonical), recording it on each and
        /// making its path absolute; the others become problems, one line each.
        mutating func confine(to root: String) {
            var kept: [NewJob] = []
            for (i, var job) in jobs.enumerated() {
                do {
                    // Opening (non-blocking) also refuses a FIFO or device here, with its line,
                    // before hashing; a directory (a DICOM series) is checked file by file.
                    try ConfinedFile.check(job.inputPath, under: root)
                    job.inputRoot = root
                    // Stored absolute: a worker on another machine or in another directory
                    // reads the same path (a relative dataset path is the coordinator's).
                    if !job.inputPath.hasPrefix("/") {
                        job.inputPath = FileManager.default.currentDirectoryPath + "/" + job.inputPath
                    }
                    kept.append(job)
                } catch {
                    problems.append("\(origins[i]): \(error)")
                }
            }
            jobs = kept
            origins = []
        }
    }

    /// Lists the cases of one dataset.
    /// - Parameter inputRoot: the directory every input must resolve under (default: the
    ///   dataset directory, or the manifest's directory).
    /// - Throws: `PipelineError(.input)` when PATH is neither a directory nor a readable CSV, or
    ///   the input root is not a directory.
    public static func load(dataset: String, path: String, plane: String = CohortLayout.defaultPlane,
                            inputRoot: String? = nil) throws -> Listing {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw PipelineError(.input, "dataset \(dataset): \(path) does not exist")
        }
        let rootGiven = inputRoot ?? (isDir.boolValue ? path : URL(fileURLWithPath: path).deletingLastPathComponent().path)
        let root: String
        do { root = try ConfinedFile.canonicalRoot(rootGiven) } catch {
            throw PipelineError(.input, "dataset \(dataset): \(error)")
        }
        var listing = try dicomCase(dataset: dataset, path: path, plane: plane)
            ?? (isDir.boolValue ? try mrnet(dataset: dataset, dir: path, plane: plane)
                                : try manifest(dataset: dataset, file: path))
        listing.confine(to: root)
        return listing
    }

    static func mrnet(dataset: String, dir: String, plane: String) throws -> Listing {
        var out = Listing()
        let layout = CohortLayout(datasetDirectory: dir)
        let root = layout.datasetDirectory
        let planeDir = layout.planeDirectory(plane)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: planeDir) else {
            throw PipelineError(.input, "dataset \(dataset): no \(plane) directory in \(root)")
        }
        let cases = names.compactMap(CohortLayout.caseID(fileName:)).sorted()
        var labels: [String: Int] = [:]
        let labelFile = layout.labelsPath
        if let text = try? String(contentsOfFile: labelFile, encoding: .utf8) {
            for (n, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
                let t = line.trimmingCharacters(in: .whitespaces)
                if t.isEmpty { continue }
                let f = t.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                guard f.count == 2, let l = Int(f[1]), l == 0 || l == 1 else {
                    if n == 0 { continue }   // a header line
                    out.problems.append("\(labelFile):\(n + 1): expected `case,label` with label 0 or 1")
                    continue
                }
                labels[f[0]] = l
            }
            let have = Set(cases)
            for c in labels.keys.sorted() where !have.contains(c) {
                out.problems.append("dataset \(dataset): case \(c) is labelled in \(labelFile) but \(layout.volumePath(case: c, plane: plane)) is missing")
            }
        } else {
            out.warnings.append("dataset \(dataset): no labels file \(labelFile); cases enqueued without labels")
        }
        for c in cases {
            out.jobs.append(NewJob(dataset: dataset, caseId: c, inputPath: layout.volumePath(case: c, plane: plane), label: labels[c]))
            out.origins.append("dataset \(dataset): case \(c.prefix(80))")
        }
        return out
    }

    static func manifest(dataset: String, file: String) throws -> Listing {
        guard let bytes = FileManager.default.contents(atPath: file) else {
            throw PipelineError(.input, "dataset \(dataset): cannot read manifest \(file)")
        }
        // Invalid UTF-8 costs only the lines that hold it: those are decoded with U+FFFD in
        // place of the bad bytes and refused below; a valid file keeps any U+FFFD it contains.
        let strict = String(validating: bytes, as: UTF8.self)
        let text = strict ?? String(decoding: bytes, as: UTF8.self)
        let baseDir = URL(fileURLWithPath: file).deletingLastPathComponent().path
        var out = Listing()
        let records = CSV.parse(text)
        guard let header = records.first?.fields.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }),
              let ci = header.firstIndex(of: "case"), let pi = header.firstIndex(of: "path") else {
            throw PipelineError(.input, "manifest \(file): header must be `case,path,label`")
        }
        let li = header.firstIndex(of: "label")
        var seen = Set<String>()
        for rec in records.dropFirst() {
            let where_ = "\(file):\(rec.line)"
            if let e = rec.error { out.problems.append("\(where_): \(e)"); continue }
            if rec.fields.count == 1 && rec.fields[0].isEmpty { continue }
            guard rec.fields.count == header.count else {
                out.problems.append("\(where_): expected \(header.count) fields, found \(rec.fields.count)"); continue
            }
            let c = rec.fields[ci], p = rec.fields[pi]
            guard !c.isEmpty else { out.problems.append("\(where_): empty case id"); continue }
            guard !p.isEmpty else { out.problems.append("\(where_): empty path"); continue }
            if strict == nil, rec.fields.contains(where: { $0.unicodeScalars.contains("\u{FFFD}") }) {
                out.problems.append("\(where_): invalid UTF-8"); continue
            }
            // PostgreSQL text cannot hold NUL: this line is skipped, the rest is enqueued.
            guard !TerminalText.containsNUL(c), !TerminalText.containsNUL(p) else {
                out.problems.append("\(where_): NUL byte in the case id or path (case \(c.prefix(80)))"); continue
            }
            var label: Int? = nil
            if let li {
                let l = rec.fields[li].trimmingCharacters(in: .whitespaces)
                if !l.isEmpty {
                    guard let v = Int(l), v == 0 || v == 1 else { out.problems.append("\(where_): label must be 0, 1 or empty"); continue }
                    label = v
                }
            }
            let full = p.hasPrefix("/") ? p : baseDir + "/" + p
            guard FileManager.default.fileExists(atPath: full) else {
                out.problems.append("\(where_): input file missing: \(full)"); continue
            }
            guard seen.insert(c).inserted else { out.problems.append("\(where_): duplicate case id"); continue }
            out.jobs.append(NewJob(dataset: dataset, caseId: c, inputPath: full, label: label))
            out.origins.append(where_)
        }
        return out
    }
}

/// A small RFC 4180 CSV reader: quoted fields with `""` escapes, commas and newlines inside
/// quotes. Each record carries its starting line number and an error for unterminated quotes.
enum CSV {
    struct Record { var fields: [String]; var line: Int; var error: String? }

    static func parse(_ text: String) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var line = 1, recordLine = 1
        var chars = Array(text.unicodeScalars)[...]
        var fieldStarted = false
        while let ch = chars.popFirst() {
            if inQuotes {
                if ch == "\"" {
                    if chars.first == "\"" { field.unicodeScalars.append("\""); chars.removeFirst() } else { inQuotes = false }
                } else {
                    if ch == "\n" { line += 1 }
                    field.unicodeScalars.append(ch)
                }
                continue
            }
            switch ch {
            case "\"" where !fieldStarted: inQuotes = true; fieldStarted = true
            case ",": fields.append(field); field = ""; fieldStarted = false
            case "\r": continue
            case "\n":
                fields.append(field)
                records.append(Record(fields: fields, line: recordLine, error: nil))
                fields = []; field = ""; fieldStarted = false
                line += 1; recordLine = line
            default: field.unicodeScalars.append(ch); fieldStarted = true
            }
        }
        if inQuotes {
            records.append(Record(fields: [], line: recordLine, error: "unterminated quoted field"))
        } else if !field.isEmpty || !fields.isEmpty {
            fields.append(field)
            records.append(Record(fields: fields, line: recordLine, error: nil))
        }
        return records
    }
}
