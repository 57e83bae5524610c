import Common
import Evaluation
import Foundation
import Queue

/// Turns a run's jobs and results (as the database holds them) into the Evaluation library's
/// `RunInput`: labels, states, probabilities, errors, stage timings, artifact paths, provenance.
public enum ReportAssembler {
    typealias Artifact = ArtifactLayout.Artifact

    /// Builds the report input of one run.
    /// - Parameters:
    ///   - imagePath: maps an artifact path (relative to the artifact root) to the path the
    ///     report should reference, or nil to leave the image out.
    public static func runInput(run: RunInfo, jobs: [JobRecord],
                                imagePath: (String) -> String? = { $0 }) -> RunInput {
        let variant = (try? PipelineConfig.of(run))?.variant.rawValue
        var byDataset: [String: [CaseInput]] = [:]
        for job in jobs {
            let metrics = job.metricsJSON.flatMap(decodeMetrics)
            let artifacts = job.artifactsJSON.flatMap(decodeArtifacts) ?? [:]
            let c = CaseInput(caseId: job.caseId, label: job.label, state: job.state, probability: job.probability,
                              error: job.state == .succeeded ? nil : job.lastError,
                              stageMillis: metrics?.stagesMs ?? [:],
                              previewPath: (artifacts[Artifact.previewThumb.key] ?? artifacts[Artifact.preview.key]).flatMap(imagePath),
                              camPath: (artifacts[Artifact.camThumb.key] ?? artifacts[Artifact.cam.key]).flatMap(imagePath),
                              camOnLigament: metrics?.camPeakOnACL,
                              startedAt: job.startedAt.map(iso8601), finishedAt: job.finishedAt.map(iso8601))
            byDataset[job.dataset, default: []].append(c)
        }
        let datasets = byDataset.keys.sorted().map { name in
            DatasetInput(name: name, cases: byDataset[name]!.sorted { $0.caseId.utf8.lexicographicallyPrecedes($1.caseId.utf8) })
        }
        let starts = jobs.compactMap(\.startedAt), ends = jobs.compactMap(\.finishedAt)
        let work = workRecord(jobs)
        let provenance = Provenance(configJSON: run.configJSON, configSHA256: run.configSHA256,
                                    codeVersion: run.codeVersion, modelSHA256: run.modelSHA256,
                                    manifestSHA256: manifestSHA256(jobs),
                                    startedAt: starts.min().map(iso8601), finishedAt: ends.max().map(iso8601),
                                    computedJobs: work.computed, reusedJobs: work.reused)
        return RunInput(name: run.name, variant: variant, provenance: provenance, datasets: datasets)
    }

    /// How many jobs with preprocessing metrics computed their preprocessing and how many reused
    /// a stage-cache entry (`JobMetrics.cache`; results from before the cache count as computed).
    public static func workRecord(_ jobs: [JobRecord]) -> (computed: Int, reused: Int) {
        var computed = 0, reused = 0
        for job in jobs {
            guard let m = job.metricsJSON.flatMap(decodeMetrics) else { continue }
            if m.cache?.reused == true { reused += 1 } else { computed += 1 }
        }
        return (computed, reused)
    }

    /// SHA-256 of the input manifest: one line `dataset\tcase\tinput_sha256\tlabel` per job,
    /// sorted by (dataset, case) bytes — independent of enqueue order and of paths.
    public static func manifestSHA256(_ jobs: [JobRecord]) -> String {
        let lines = jobs.map { j in
            [j.dataset, j.caseId, j.inputSHA256 ?? "-", j.label.map(String.init) ?? "-"].joined(separator: "\t")
        }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return SHA256.hex(string: lines.map { $0 + "\n" }.joined())
    }

    static func decodeMetrics(_ json: String) -> JobMetrics? {
        try? JSONDecoder().decode(JobMetrics.self, from: Data(json.utf8))
    }

    static func decodeArtifacts(_ json: String) -> [String: String]? {
        try? JSONDecoder().decode([String: String].self, from: Data(json.utf8))
    }

    static func iso8601(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: d)
    }
}
