import Common

/// The computed evaluation report: every number the renderers show, nothing rendered yet.
/// Built by `buildReport(_:)`; deterministic (depends only on the input's content, not its order).
public struct Report: Codable, Sendable, Equatable {
    public let title: String
    /// The reported run, then (with `--compare`) the comparison run.
    public let runs: [RunReport]
    /// Per dataset (sorted by name), the paired DeLong test of run 1 against run 2; empty
    /// without a comparison run.
    public let comparisons: [DatasetComparison]
    /// How the numbers were computed (intervals, thresholds, percentiles), shown in every format.
    public let methods: [String]

    /// The report as canonical JSON (sorted keys, pretty-printed, trailing newline).
    public func json() -> String {
        do { return try CanonicalJSON.string(self, pretty: true) + "\n" } catch {
            // Unreachable by construction (all numbers are finite); kept visible rather than silent.
            return "{\"error\": \"report could not be encoded\"}\n"
        }
    }
}

/// One run's part of the report.
public struct RunReport: Codable, Sendable, Equatable {
    public let name: String
    public let variant: String?
    public let provenance: Provenance
    /// Per dataset, sorted by name.
    public let datasets: [DatasetReport]
    /// Finished jobs per minute over the whole run, when timestamps allow it.
    public let jobsPerMinute: Double?

    /// "name (variant)" or "name".
    public var label: String { variant.map { "\(name) (\($0))" } ?? name }
}

/// Everything about one dataset in one run.
public struct DatasetReport: Codable, Sendable, Equatable {
    public let dataset: String
    /// All cases of the dataset in this run, whatever their state.
    public let cases: Int
    /// Cases labelled 1 / 0 (any state).
    public let positives: Int
    public let negatives: Int
    public let succeeded: Int
    public let failed: Int
    /// Queued or running.
    public let pending: Int
    public let cancelled: Int
    /// Cases that entered the ROC analysis: succeeded, labelled 0/1, finite probability.
    public let scored: Int
    public let scoredPositives: Int
    public let scoredNegatives: Int
    /// AUC with its DeLong interval; `nil` when undefined (see `aucUndefinedReason`).
    public let auc: AUCEstimate?
    public let aucUndefinedReason: String?
    /// The empirical ROC curve of the scored cases (empty when the AUC is undefined).
    public let roc: [ROCPoint]
    public let youden: OperatingPoint?
    public let atHalf: OperatingPoint?
    /// Per stage (then "total"), over succeeded cases.
    public let timings: [StageTiming]
    public let jobsPerMinute: Double?
    /// Every case that is not scored, with why (failed with its error, pending, unlabelled, …),
    /// sorted by case id.
    public let unscored: [UnscoredCase]
    /// Example cases per confusion cell at the Youden threshold.
    public let gallery: [GalleryItem]
    /// Where the network looked on the tears it found; nil when no case has a CAM measurement.
    public var camLocalisation: CAMLocalisation? = nil
}

/// The blog's worry, answered: does the network flag a tear for the ligament, or for something
/// near it (veins, effusion)? Over the correctly flagged torn cases (label 1, P(tear) ≥ 0.5) that
/// have a measurement, the share whose class-activation peak lies on the ligament.
public struct CAMLocalisation: Codable, Sendable, Equatable {
    /// Correctly flagged torn cases with a measurement.
    public let flagged: Int
    /// Of those, the cases whose CAM peak lies on the ligament.
    public let onLigament: Int
    /// onLigament / flagged (nil when flagged is 0).
    public var share: Double? { flagged > 0 ? Double(onLigament) / Double(flagged) : nil }

    public init(flagged: Int, onLigament: Int) { self.flagged = flagged; self.onLigament = onLigament }

    /// The figure over a dataset's cases (nil when none has a measurement).
    public static func of(_ cases: [CaseInput]) -> CAMLocalisation? {
        guard cases.contains(where: { $0.camOnLigament != nil }) else { return nil }
        let hits = cases.filter { $0.state == .succeeded && $0.label == 1 && ($0.probability ?? 0) >= 0.5 }.compactMap(\.camOnLigament)
        return CAMLocalisation(flagged: hits.count, onLigament: hits.filter { $0 }.count)
    }
}

/// A case left out of the ROC analysis, and why.
public struct UnscoredCase: Codable, Sendable, Equatable {
    public let caseId: String
    public let state: JobState
    public let label: Int?
    public let reason: String
}

/// Stage duration percentiles (nearest-rank) in milliseconds.
public struct StageTiming: Codable, Sendable, Equatable {
    public let stage: String
    public let count: Int
    public let p50: Double
    public let p95: Double
    public let max: Double
}

/// A gallery example: one case in one confusion cell.
public struct GalleryItem: Codable, Sendable, Equatable {
    /// "TP", "FP", "TN" or "FN" at the Youden threshold.
    public let cell: String
    public let caseId: String
    public let label: Int
    public let probability: Double
    public let previewPath: String?
    public let camPath: String?
}

/// DeLong's paired test of two runs on one dataset, on the cases scored in both.
public struct DatasetComparison: Codable, Sendable, Equatable {
    public let dataset: String
    public let run1: String
    public let run2: String
    /// Cases scored in both runs with the same label: the cases the test uses.
    public let paired: Int
    /// Cases scored in exactly one of the two runs (left out of the test).
    public let scoredInOneRunOnly: Int
    /// Cases whose label differs between the runs (left out of the test).
    public let labelMismatches: Int
    public let test: PairedAUCTest?
    public let undefinedReason: String?
}

extension Report {
    /// The three report files, in a fixed order: ("report.md", …), ("report.json", …),
    /// ("report.html", …). The caller writes them (atomically) into the output directory;
    /// image paths inside are used verbatim, so they must be relative to that directory.
    public func renderedFiles() -> [(name: String, contents: String)] {
        [("report.md", markdown()), ("report.json", json()), ("report.html", html())]
    }
}
