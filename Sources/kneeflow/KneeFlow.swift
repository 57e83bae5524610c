import ArgumentParser

/// The `kneeflow` command: argument parsing and wiring only; the libraries do the work.
@main
struct KneeFlow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kneeflow",
        abstract: "Distributed knee-MRI preprocessing and ACL classification over a PostgreSQL job queue.",
        version: KneeFlowVersion.string,
        subcommands: [
            // Each subcommand lives in its own file: <Name>Command.swift.
            DbCommand.self,
            EnqueueCommand.self,
            WorkCommand.self,
            StatusCommand.self,
            BenchCommand.self,
            PreprocessCommand.self,
            SynthCommand.self,
            ReportCommand.self,
            DemoCommand.self,
            TrainCommand.self,
        ]
    )
}
