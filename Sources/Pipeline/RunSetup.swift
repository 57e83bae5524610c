import Common
import Foundation
import Queue

/// Registers a run and enqueues its cases — shared by `kneeflow enqueue` and `kneeflow demo`.
public enum RunSetup {
    /// What was enqueued.
    public struct Outcome: Sendable {
        public let run: RunInfo
        public let submitted: Int
        public let inserted: Int
        /// One line per skipped case / manifest line / dataset.
        public let problems: [String]
        public let warnings: [String]
    }

    /// Lists the cases of every `(dataset, path)`, hashes each input (SHA-256, both cores), creates
    /// the run with `configJSON` (+ model path and SHA-256) and bulk-enqueues the jobs.
    /// Inputs that cannot be read are reported in `problems` and not enqueued.
    /// - Throws: `QueueError(.runConflict)` when the run exists with another configuration or
    ///   model; `PipelineError(.model)` when the model file is unreadable; database errors.
    public static func enqueue(coordinator: Coordinator, runName: String, configJSON: String, codeVersion: String,
                               modelPath: String?, datasets: [(name: String, path: String)], plane: String = CohortLayout.defaultPlane,
                               maxAttempts: Int = 3, hashInputs: Bool = true) throws -> Outcome {
        var jobs: [NewJob] = []
        var problems: [String] = []
        var warnings: [String] = []
        for d in datasets {
            do {
                let listing = try CaseSource.load(dataset: d.name, path: d.path, plane: plane)
                jobs += listing.jobs
                problems += listing.problems
                warnings += listing.warnings
            } catch {
                problems.append("\(error)")
            }
        }
        if hashInputs {
            let hashes = hashAll(jobs.map(\.inputPath))
            var kept: [NewJob] = []
            for (i, var job) in jobs.enumerated() {
                switch hashes[i] {
                case .success(let hex): job.inputSHA256 = hex; kept.append(job)
                case .failure(let e): problems.append("dataset \(job.dataset): case \(job.caseId.prefix(80)): \(e)")
                }
            }
            jobs = kept
        }
        var modelSHA: String? = nil
        var absoluteModel: String? = nil
        if let modelPath {
            absoluteModel = URL(fileURLWithPath: modelPath).standardizedFileURL.path
            do { modelSHA = try SHA256.file(at: modelPath).hex } catch {
                throw PipelineError(.model, "model \(modelPath): \(error)")
            }
        }
        let run = try coordinator.createRun(name: runName, configJSON: configJSON, codeVersion: codeVersion,
                                            modelPath: absoluteModel, modelSHA256: modelSHA)
        let result = try coordinator.enqueue(runId: run.id, jobs: jobs, maxAttempts: maxAttempts)
        return Outcome(run: run, submitted: result.submitted, inserted: result.inserted, problems: problems, warnings: warnings)
    }

    /// SHA-256 of each input (a file, or a DICOM directory as `FileTree.digest`), computed on all
    /// cores; the order of the result is the input's.
    static func hashAll(_ paths: [String]) -> [Result<String, CommonError>] {
        let results = Locked([Result<String, CommonError>](repeating: .failure(CommonError(.io, "not hashed")), count: paths.count))
        DispatchQueue.concurrentPerform(iterations: paths.count) { i in
            let r: Result<String, CommonError>
            do { r = .success(try SHA256.input(at: paths[i])) }
            catch let e as CommonError { r = .failure(e) }
            catch { r = .failure(CommonError(.io, "\(error)")) }
            results.withLock { $0[i] = r }
        }
        return results.value
    }
}
