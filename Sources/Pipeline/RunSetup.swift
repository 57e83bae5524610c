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

    /// Lists the cases of every `(dataset, path)` (each input confined to its dataset's input root,
    /// or to `inputRoot` when given: `CaseSource`), hashes each input (SHA-256, both cores), creates
    /// the run with `configJSON` (+ model path and SHA-256) and bulk-enqueues the jobs.
    /// Inputs that cannot be read are reported in `problems` and not enqueued.
    /// - Throws: `NothingEnqueued` when there were problems and no case is left (so a bad
    ///   manifest leaves no empty run behind); `QueueError(.runConflict)` when the run exists with another configuration or
    ///   model; `PipelineError(.model)` when the model file is unreadable; database errors.
    public static func enqueue(coordinator: Coordinator, runName: String, configJSON: String, codeVersion: String,
                               modelPath: String?, datasets: [(name: String, path: String)], plane: String = CohortLayout.defaultPlane,
                               maxAttempts: Int = 3, hashInputs: Bool = true, inputRoot: String? = nil) throws -> Outcome {
        var jobs: [NewJob] = []
        var problems: [String] = []
        var warnings: [String] = []
        for d in datasets {
            do {
                let listing = try CaseSource.load(dataset: d.name, path: d.path, plane: plane, inputRoot: inputRoot)
                jobs += listing.jobs
                problems += listing.problems
                warnings += listing.warnings
            } catch {
                problems.append("\(error)")
            }
        }
        // PostgreSQL text cannot hold NUL (any source: manifests check their own lines first).
        // Problems keep the raw text; whoever prints them escapes it (TerminalText).
        jobs = jobs.filter { job in
            guard [job.dataset, job.caseId, job.inputPath].contains(where: TerminalText.containsNUL) else { return true }
            problems.append("dataset \(job.dataset.prefix(80)): case \(job.caseId.prefix(80)): NUL byte in the dataset, case id or path")
            return false
        }
        if hashInputs {
            let hashes = hashAll(jobs.map { ($0.inputPath, $0.inputRoot!) })
            var kept: [NewJob] = []
            for (i, var job) in jobs.enumerated() {
                switch hashes[i] {
                case .success(let hex): job.inputSHA256 = hex; kept.append(job)
                case .failure(let e): problems.append("dataset \(job.dataset): case \(job.caseId.prefix(80)): \(e)")
                }
            }
            jobs = kept
        }
        if jobs.isEmpty && !problems.isEmpty {
            throw NothingEnqueued(problems: problems, warnings: warnings)
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

    /// Every case was skipped: no run was created (nor changed) and nothing enqueued.
    public struct NothingEnqueued: Error, CustomStringConvertible, Sendable {
        public let problems: [String]
        public let warnings: [String]
        public var description: String { "nothing to enqueue: all \(problems.count) cases or lines were skipped; no run was created" }
    }

    /// SHA-256 of each input confined to its input root (a FIFO or device is refused, not read):
    /// a file's, or for a DICOM directory `FileTree.digest` over its files; computed on all
    /// cores; the order of the result is the input's.
    static func hashAll(_ paths: [(path: String, root: String)]) -> [Result<String, CommonError>] {
        let results = Locked([Result<String, CommonError>](repeating: .failure(CommonError(.io, "not hashed")), count: paths.count))
        DispatchQueue.concurrentPerform(iterations: paths.count) { i in
            let r: Result<String, CommonError>
            do { r = .success(try ConfinedFile.inputSHA256(paths[i].path, under: paths[i].root)) }
            catch let e as CommonError { r = .failure(e) }
            catch { r = .failure(CommonError(.io, "\(error)")) }
            results.withLock { $0[i] = r }
        }
        return results.value
    }
}
