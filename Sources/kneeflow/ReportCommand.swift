import ArgumentParser
import Common
import Evaluation
import Foundation
import Pipeline
import Postgres
import Queue

/// `kneeflow report`: AUC per evaluation dataset (DeLong intervals, ROC, operating points,
/// timings, provenance), optionally against a second run with DeLong's paired test.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write report.md, report.json and a self-contained report.html for a run.",
        discussion: "Rendering twice on the same database gives byte-identical files. Exit code 4: the run has no finished jobs.")

    @Option(name: .customLong("run"), help: "The run to report.") var runName: String
    @Option(name: .customLong("compare"), help: "A second run on the same cases (paired DeLong test per dataset).") var compareName: String?
    @Option(help: "Output directory.") var out: String
    @Option(help: "Artifact root (default: $KNEEFLOW_ARTIFACTS or .kneeflow/artifacts).") var artifacts: String?
    @Option(help: "Report title.") var title: String?

    func run() throws {
        let log = CLILogging.logger("kneeflow.report")
        let (conn, _) = try QueueDatabase.open(logger: log)
        defer { conn.close() }
        let reader = ResultsReader(connection: conn)
        func load(_ name: String) throws -> (RunInfo, [JobRecord]) {
            guard let run = try reader.run(named: name) else {
                throw QueueError(.runNotFound, "no run named \"\(name.prefix(80))\"")
            }
            return (run, try reader.jobs(runId: run.id))
        }
        let main = try load(runName)
        let other = try compareName.map(load)
        let output: ReportWriter.Output
        do {
            output = try ReportWriter.write(run: main, compare: other, artifactRoot: ArtifactRoot.resolve(artifacts),
                                            outDir: out, title: title)
        } catch let e as PipelineError where e.code == .report {
            FileHandle.standardError.write(Data("kneeflow: \(TerminalText.escape(e.message))\n".utf8))
            throw ExitCode(4)
        }
        // Dataset and run names are user text: escaped line by line (the table's newlines stay).
        let table = output.report.summaryTable().split(separator: "\n", omittingEmptySubsequences: false)
        print(table.map { TerminalText.escape(String($0)) }.joined(separator: "\n"), terminator: "")
        print("report: \(URL(fileURLWithPath: out).standardizedFileURL.path)/report.html")
    }
}

/// The artifact root: `--artifacts`, else `KNEEFLOW_ARTIFACTS`, else `<KNEEFLOW_HOME or .kneeflow>/artifacts`.
enum ArtifactRoot {
    static func resolve(_ flag: String?) -> String {
        if let flag, !flag.isEmpty { return absolute(flag) }
        let env = ProcessInfo.processInfo.environment
        if let v = env["KNEEFLOW_ARTIFACTS"], !v.isEmpty { return absolute(v) }
        return absolute(DatabaseLocator.embeddedHome(environment: env) + "/artifacts")
    }

    static func absolute(_ p: String) -> String { URL(fileURLWithPath: p).standardizedFileURL.path }
}
