import Common
import Foundation

/// What `kneeflow groundtruth` prints: the configuration measured and one `GroundTruthSummary`
/// per dataset, as JSON (`json()`) or a Markdown table (`markdown()`).
public struct GroundTruthReport: Codable, Sendable, Equatable {
    /// The cohort directory.
    public var cohort: String
    /// The foreground definition of the configuration (`knee`, `tissue`).
    public var foreground: String
    /// SHA-256 of the configuration's canonical JSON (as stored on a run).
    public var configSHA256: String
    public var datasets: [GroundTruthSummary]

    public init(cohort: String, config: PipelineConfig, datasets: [GroundTruthSummary]) throws {
        self.cohort = cohort
        self.foreground = config.preprocess.slice.foreground.rawValue
        self.configSHA256 = try config.sha256()
        self.datasets = datasets
    }

    enum CodingKeys: String, CodingKey { case cohort, foreground, configSHA256 = "config_sha256", datasets }

    /// Pretty JSON with sorted keys.
    public func json() throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try e.encode(self), as: UTF8.self)
    }

    /// A Markdown table, one row per dataset (shares and AUCs to 3 decimals, "–" when undefined).
    public func markdown() -> String {
        func f(_ x: Double?) -> String { x.map { String(format: "%.3f", $0) } ?? "–" }
        var lines = [
            "Foreground `\(foreground)`, cohort `\(cohort)`, config SHA-256 \(configSHA256.prefix(12))…",
            "",
            "| dataset | cases | tears | ACL coverage mean / min / p5 / pooled | air inside mean / max | kept intact / torn | AUC raw | AUC base k* | AUC seg kept | AUC seg ratio |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for d in datasets {
            let cov = "\(f(d.coverage.mean)) / \(f(d.coverage.min)) / \(f(d.coverage.p5)) / \(f(d.pooledCoverage))"
            let air = String(format: "%.4f / %.4f", d.air.mean, d.air.max)
            lines.append("| \(d.dataset) | \(d.cases) | \(d.tears) | \(cov) | \(air) | \(f(d.keptIntact)) / \(f(d.keptTorn)) | "
                         + "\(f(d.auc.raw)) | \(f(d.auc.base)) | \(f(d.auc.segKept)) | \(f(d.auc.segRatio)) |")
        }
        return lines.joined(separator: "\n")
    }
}
