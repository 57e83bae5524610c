import ArgumentParser
import Foundation
import Imaging
import Pipeline

/// `kneeflow groundtruth --cohort DIR`: runs the imaging chain in-process on a synthetic cohort
/// and measures it against the phantom's ground truth (`GroundTruthCohort`, `CaseMeasures`).
struct GroundTruthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "groundtruth",
        abstract: "Measure where the ACL signal goes (NMF → foreground → segmentation) against a synthetic cohort's ground truth.",
        discussion: """
            Reads DIR/<dataset>/{sagittal,acl_mask,body_mask}/<case>.npy and DIR/<dataset>-acl.csv (kneeflow synth's \
            layout). Per dataset: ACL coverage of the foreground mask of the base image carrying the ligament (k*), \
            air inside it, the share of the ACL the segmentation keeps, and the AUC of oracle tear scores read through \
            the ACL mask (raw volume, base image k*, segmented k*). Ground truth is only measured against, never an input.
            """)

    @Option(name: .long, help: "Cohort directory (kneeflow synth --out).")
    var cohort: String

    @Option(name: .long, help: "Datasets NAME,NAME,… (default: every <name>-acl.csv in the cohort).")
    var datasets: String?

    @Option(name: .long, help: "Pipeline configuration JSON file (as kneeflow enqueue --config), e.g. {\"preprocess\":{\"slice\":{\"foreground\":\"tissue\"}}}.")
    var config: String?

    @Option(name: .long, help: "Cases measured in parallel (one chain per thread); the output does not depend on it.")
    var threads: Int = 1

    @Option(name: .long, help: "At most N cases per dataset (the first N in case order).")
    var limit: Int?

    @Flag(name: .long, help: "Print JSON instead of a Markdown table.")
    var json = false

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be ≥ 1") }
        if let limit, limit < 1 { throw ValidationError("--limit must be ≥ 1") }
    }

    func run() throws {
        var pipeline = PipelineConfig()
        if let config {
            guard let data = FileManager.default.contents(atPath: config) else { throw PipelineError(.config, "cannot read config \(config)") }
            pipeline = try PipelineConfig.decode(json: String(decoding: data, as: UTF8.self))
        }
        let names = try datasets.map { $0.split(separator: ",").map(String.init) } ?? GroundTruthCohort.datasets(cohort: cohort)
        BLAS.setThreads(1)
        let summaries = try GroundTruthCohort.run(cohort: cohort, datasets: names, config: pipeline, threads: threads, limit: limit)
        let report = try GroundTruthReport(cohort: cohort, config: pipeline, datasets: summaries)
        print(json ? try report.json() : report.markdown())
    }
}
