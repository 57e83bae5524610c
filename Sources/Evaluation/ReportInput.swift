import Common
/// Everything `buildReport` needs, as plain in-memory data (the database side fills it in).
/// Codable, so a report can also be rebuilt from a saved JSON input.
public struct ReportInput: Codable, Sendable, Equatable {
    /// Report heading; `nil` → "KneeFlow evaluation report".
    public var title: String?
    /// The run being reported.
    public var run: RunInput
    /// The run to compare against (`kneeflow report --compare`), or `nil`.
    public var comparison: RunInput?
    /// Preferred order of stage names in timing tables; stages not listed follow alphabetically.
    public var stageOrder: [String]?

    public init(title: String? = nil, run: RunInput, comparison: RunInput? = nil, stageOrder: [String]? = nil) {
        self.title = title; self.run = run; self.comparison = comparison; self.stageOrder = stageOrder
    }
}

/// One run: its name, the classifier variant (`seg`, `raw`, `nmf`), provenance, and its cases per
/// evaluation dataset.
public struct RunInput: Codable, Sendable, Equatable {
    public var name: String
    public var variant: String?
    public var provenance: Provenance
    /// Dataset order does not matter: the report sorts by name.
    public var datasets: [DatasetInput]

    public init(name: String, variant: String? = nil, provenance: Provenance, datasets: [DatasetInput]) {
        self.name = name; self.variant = variant; self.provenance = provenance; self.datasets = datasets
    }

    /// Cases that reached a final state with a result or an error ("succeeded" or "failed").
    /// `kneeflow report` refuses a run where this is 0.
    public var finishedCases: Int {
        datasets.reduce(0) { $0 + $1.cases.filter { $0.state.isFinished }.count }
    }
}

/// Where the numbers come from. Hashes are lowercase hex SHA-256 strings.
public struct Provenance: Codable, Sendable, Equatable {
    /// The run's complete pipeline configuration as stored (canonical JSON text).
    public var configJSON: String
    public var configSHA256: String
    public var codeVersion: String
    /// `nil` for a run without a model (preprocessing only).
    public var modelSHA256: String?
    /// SHA-256 of the input manifest (the list of input files and their hashes).
    public var manifestSHA256: String?
    /// Time range of the run's jobs as ISO-8601 text (e.g. "2026-11-28T05:00:00Z" or PostgreSQL's
    /// "2026-11-28 05:00:00.123+00"); shown verbatim, used for jobs/min when case times are absent.
    public var startedAt: String?
    public var finishedAt: String?
    /// The work record: jobs whose preprocessing (NMF, slice preprocessing, segmentation) this
    /// run computed, and jobs that reused a stage-cache entry computed before. Jobs without
    /// preprocessing metrics (failed, pending) count in neither. How the work was done, not what
    /// it produced: `withoutRunTimes()` removes it with the time range.
    public var computedJobs: Int?
    public var reusedJobs: Int?

    public init(configJSON: String, configSHA256: String, codeVersion: String, modelSHA256: String? = nil,
                manifestSHA256: String? = nil, startedAt: String? = nil, finishedAt: String? = nil,
                computedJobs: Int? = nil, reusedJobs: Int? = nil) {
        self.configJSON = configJSON; self.configSHA256 = configSHA256; self.codeVersion = codeVersion
        self.modelSHA256 = modelSHA256; self.manifestSHA256 = manifestSHA256
        self.startedAt = startedAt; self.finishedAt = finishedAt
        self.computedJobs = computedJobs; self.reusedJobs = reusedJobs
    }
}

/// The cases of one evaluation dataset in one run. Case order does not matter.
public struct DatasetInput: Codable, Sendable, Equatable {
    public var name: String
    public var cases: [CaseInput]

    public init(name: String, cases: [CaseInput]) { self.name = name; self.cases = cases }
}

/// One job's outcome, as the report needs it.
public struct CaseInput: Codable, Sendable, Equatable {
    /// Unique within a dataset; cases of two runs are paired by (dataset, caseId).
    public var caseId: String
    /// 1 = positive (ACL tear), 0 = negative, `nil` = unknown.
    public var label: Int?
    /// The job's state.
    public var state: JobState
    /// Classifier probability of the positive class, in [0, 1]; `nil` when there is none.
    public var probability: Double?
    /// The job's last error (failed cases).
    public var error: String?
    /// Milliseconds per pipeline stage (e.g. "load", "nmf", "segment", "classify").
    public var stageMillis: [String: Double]
    /// Artifact paths relative to the report's directory (image files), for the gallery.
    public var previewPath: String?
    public var camPath: String?
    /// Whether the peak of the class activation map lies on the ligament (ground truth dilated
    /// by a few pixels); `nil` without ground truth or without a model.
    public var camOnLigament: Bool?
    /// When the job started / finished (ISO-8601), for jobs/min; optional.
    public var startedAt: String?
    public var finishedAt: String?

    public init(caseId: String, label: Int?, state: JobState, probability: Double? = nil, error: String? = nil,
                stageMillis: [String: Double] = [:], previewPath: String? = nil, camPath: String? = nil,
                camOnLigament: Bool? = nil, startedAt: String? = nil, finishedAt: String? = nil) {
        self.caseId = caseId; self.label = label; self.state = state; self.probability = probability
        self.error = error; self.stageMillis = stageMillis; self.previewPath = previewPath
        self.camPath = camPath; self.camOnLigament = camOnLigament; self.startedAt = startedAt; self.finishedAt = finishedAt
    }

    enum CodingKeys: String, CodingKey {
        case caseId, label, state, probability, error, stageMillis, previewPath, camPath, camOnLigament, startedAt, finishedAt
    }

    /// Decodes with `stageMillis` defaulting to empty when absent.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        caseId = try c.decode(String.self, forKey: .caseId)
        label = try c.decodeIfPresent(Int.self, forKey: .label)
        state = try c.decode(JobState.self, forKey: .state)
        probability = try c.decodeIfPresent(Double.self, forKey: .probability)
        error = try c.decodeIfPresent(String.self, forKey: .error)
        stageMillis = try c.decodeIfPresent([String: Double].self, forKey: .stageMillis) ?? [:]
        previewPath = try c.decodeIfPresent(String.self, forKey: .previewPath)
        camPath = try c.decodeIfPresent(String.self, forKey: .camPath)
        camOnLigament = try c.decodeIfPresent(Bool.self, forKey: .camOnLigament)
        startedAt = try c.decodeIfPresent(String.self, forKey: .startedAt)
        finishedAt = try c.decodeIfPresent(String.self, forKey: .finishedAt)
    }
}
