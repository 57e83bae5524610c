import Common
import Foundation
import Imaging

/// Loading labelled training volumes from the outputs of `kneeflow preprocess`.
public enum TrainingSet {
    /// Parses a labels CSV: `case,label` per line (MRNet style, no header), an optional header
    /// line (a first line whose label is not an integer), blank lines ignored.
    /// - Returns: (case id, label) in file order.
    /// - Throws: `ClassifierError(.argument)` naming the line for malformed rows, labels other
    ///   than 0/1, or duplicate cases.
    public static func parseLabels(_ text: String, file: String? = nil) throws -> [(id: String, label: Int)] {
        var out: [(String, Int)] = []
        var seen = Set<String>()
        for (n, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            let parts = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else {
                throw ClassifierError(.argument, "line \(n + 1): expected \"case,label\"", file: file)
            }
            guard let label = Int(parts[1]) ?? Double(parts[1]).flatMap({ $0 == $0.rounded() ? Int($0) : nil }) else {
                if out.isEmpty && seen.isEmpty && n == 0 { continue }   // header line
                throw ClassifierError(.argument, "line \(n + 1): label \"\(parts[1])\" is not 0 or 1", file: file)
            }
            guard label == 0 || label == 1 else {
                throw ClassifierError(.argument, "line \(n + 1): label \(label) is not 0 or 1", file: file)
            }
            guard seen.insert(parts[0]).inserted else {
                throw ClassifierError(.argument, "line \(n + 1): case \(parts[0]) listed twice", file: file)
            }
            out.append((parts[0], label))
        }
        return out
    }

    /// Loads `directory/<case>/segmented.npy` (float32 or uint8, K×h×w) for every case of the
    /// labels file, hashing each file for provenance.
    /// - Parameter fileName: the per-case file to read (default `segmented.npy`).
    /// - Throws: `ClassifierError` for an unreadable labels file, a labelled case without its
    ///   file (`.io`); `ImagingError` for a malformed volume file.
    public static func load(directory: String, labelsCSV: String, fileName: String = "segmented.npy") throws -> [TrainingSample] {
        guard let data = FileManager.default.contents(atPath: labelsCSV) else {
            throw ClassifierError(.io, "cannot read labels", file: labelsCSV)
        }
        let labels = try parseLabels(String(decoding: data, as: UTF8.self), file: labelsCSV)
        guard !labels.isEmpty else { throw ClassifierError(.argument, "no labelled cases", file: labelsCSV) }
        var out: [TrainingSample] = []
        for (id, label) in labels {
            let path = URL(fileURLWithPath: directory).appendingPathComponent(id).appendingPathComponent(fileName).path
            guard FileManager.default.fileExists(atPath: path) else {
                throw ClassifierError(.io, "case \(id) is labelled but has no \(fileName)", file: path)
            }
            let volume = try VolumeReader.read(path: path).volume
            let sha: String
            do { sha = try SHA256.file(at: path).hex } catch { throw ClassifierError(.io, "\(error)", file: path) }
            let caseDir = URL(fileURLWithPath: path).deletingLastPathComponent()
            let landmarks = try Self.landmarks(maskFile: caseDir.appendingPathComponent("mask.npy").path,
                                               metricsFile: caseDir.appendingPathComponent("metrics.json").path)
            out.append(TrainingSample(id: id, input: volume, label: label, sha256: sha, landmarks: landmarks))
        }
        return out
    }

    /// The knee's landmarks beside a volume's artifacts: the foreground from `mask.npy` and the
    /// joint anchor from `metrics.json` (`preprocess.kneeAnchor`), each when its file exists.
    /// - Throws: `ImagingError` for a malformed mask, `ClassifierError(.io)` for unreadable or
    ///   malformed metrics.
    public static func landmarks(maskFile: String, metricsFile: String) throws -> KneeLandmarks {
        let fm = FileManager.default
        var out = KneeLandmarks()
        if fm.fileExists(atPath: maskFile) { out.foreground = try foreground(maskFile: maskFile) }
        if let data = fm.contents(atPath: metricsFile) { out.anchor = try anchor(metricsJSON: data, file: metricsFile) }
        return out
    }

    /// The knee anchor of a metrics JSON: `preprocess.kneeAnchor` (a job's metrics) or a top-level
    /// `kneeAnchor` (`kneeflow preprocess`'s metrics.json); nil when absent.
    /// - Throws: `ClassifierError(.io)` when the JSON does not parse.
    public static func anchor(metricsJSON data: Data, file: String? = nil) throws -> KneeAnchor? {
        struct Metrics: Decodable {
            struct Pre: Decodable { var kneeAnchor: KneeAnchor? }
            var preprocess: Pre?
            var kneeAnchor: KneeAnchor?
        }
        do {
            let m = try JSONDecoder().decode(Metrics.self, from: data)
            return m.preprocess?.kneeAnchor ?? m.kneeAnchor
        } catch {
            throw ClassifierError(.io, "metrics JSON does not parse: \(error)", file: file)
        }
    }

    /// The foreground of a volume from the chain's `mask.npy` (K×h×w, 0/1): the union of its
    /// planes (with the knee foreground every plane is the same mask), as h×w bytes.
    /// - Throws: `ImagingError` for an unreadable or malformed file.
    public static func foreground(maskFile path: String) throws -> [UInt8] {
        foreground(mask: try VolumeReader.read(path: path).volume)
    }

    /// The foreground of a mask volume already read (the union over its slices, as above).
    public static func foreground(mask m: Volume) -> [UInt8] {
        let n = m.height * m.width
        var out = [UInt8](repeating: 0, count: n)
        m.data.withUnsafeBufferPointer { d in
            for k in 0..<m.slices { for i in 0..<n where d[k * n + i] != 0 { out[i] = 1 } }
        }
        return out
    }
}
