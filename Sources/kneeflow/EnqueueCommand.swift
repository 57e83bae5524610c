import ArgumentParser
import Foundation
import Queue

/// `kneeflow enqueue`: create a run and enqueue one job per case.
struct EnqueueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enqueue",
        abstract: "Create a run (config stored with its SHA-256) and enqueue one job per case.",
        discussion: """
            PATH is an MRNet-layout directory (<dir>/<plane>/<case>.npy, labels in <dir>-acl.csv) or a \
            manifest CSV with header case,path,label. Problems are reported one per line on stderr; the rest \
            is enqueued. Exit code 0: everything enqueued (or already queued); 3: something was skipped.
            """)

    @Option(name: .customLong("run"), help: "Run name (enqueueing again into the same run adds only new cases).")
    var runName: String

    @Option(name: .customLong("dataset"), help: "NAME=PATH (repeatable).")
    var datasets: [String] = []

    @Option(help: "Run configuration JSON file (default: {\"handler\":\"checksum\"}).")
    var config: String?

    @Option(help: "MRNet plane directory to read.")
    var plane: String = "sagittal"

    @Option(help: "Attempts per job before it fails.")
    var maxAttempts: Int = 3

    @Option(help: "Model file recorded on the run (path; its SHA-256 is computed).")
    var model: String?

    func validate() throws {
        guard !datasets.isEmpty else { throw ValidationError("give at least one --dataset NAME=PATH") }
        for d in datasets where !d.contains("=") || d.hasPrefix("=") || d.hasSuffix("=") {
            throw ValidationError("--dataset expects NAME=PATH, got \(d)")
        }
        guard maxAttempts >= 1 else { throw ValidationError("--max-attempts must be at least 1") }
    }

    func run() throws {
        let log = CLILogging.logger("kneeflow.enqueue")
        var configText = "{\"handler\":\"checksum\"}"
        if let config {
            guard let data = FileManager.default.contents(atPath: config) else { throw QueueError(.input, "cannot read config \(config)") }
            configText = String(decoding: data, as: UTF8.self)
            guard (try? JSONSerialization.jsonObject(with: data)) is [String: Any] else {
                throw QueueError(.input, "config \(config) is not a JSON object")
            }
        }
        var modelSHA: String? = nil
        if let model { modelSHA = try SHA256FileHelper.hex(model) }
        var jobs: [NewJob] = []
        var problems: [String] = []
        for d in datasets {
            let eq = d.firstIndex(of: "=")!
            let name = String(d[..<eq]), path = String(d[d.index(after: eq)...])
            do {
                let listing = try CaseSource.load(dataset: name, path: path, plane: plane)
                jobs += listing.jobs
                problems += listing.problems
                listing.warnings.forEach { log.warning("\($0)") }
            } catch {
                problems.append("\(error)")
            }
        }
        for p in problems { FileHandle.standardError.write(Data("skipped: \(p)\n".utf8)) }
        let (conn, _) = try QueueDatabase.open(logger: log)
        defer { conn.close() }
        let coord = Coordinator(connection: conn, logger: log)
        let info = try coord.createRun(name: runName, configJSON: configText, codeVersion: KneeFlowVersion.string,
                                       modelPath: model, modelSHA256: modelSHA)
        let result = try coord.enqueue(runId: info.id, jobs: jobs, maxAttempts: maxAttempts)
        print("run \(info.name): \(result.inserted) new jobs, \(result.submitted - result.inserted) already queued, \(problems.count) skipped")
        if !problems.isEmpty { throw ExitCode(3) }
    }
}

import Common
enum SHA256FileHelper {
    static func hex(_ path: String) throws -> String { try SHA256.file(at: path).hex }
}
