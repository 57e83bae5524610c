import ArgumentParser
import Classifier
import Common
import Foundation
import Imaging

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
            ConvertCommand.self,
            PruneCommand.self,
            SynthCommand.self,
            ReportCommand.self,
            DemoCommand.self,
            TrainCommand.self,
            GroundTruthCommand.self,
        ]
    )

    /// Every command starts here. OpenBLAS picks its kernels when it loads; on CPUs that Debian's
    /// OpenBLAS 0.3.21 does not recognise it falls back to generic SSE3 kernels (~15× slower
    /// sgemm), so the process re-executes itself once with `OPENBLAS_CORETYPE` set (see
    /// `BLASCore`); child processes (workers started by `demo`) inherit it. An
    /// `OPENBLAS_CORETYPE` already in the environment is always respected.
    static func main() async {
        BLASCore.reexecWithTunedCoreIfNeeded(quiet: true)
        BLAS.reuseLargeAllocations()
        var command: ParsableCommand
        do { command = try parseAsRoot() } catch { exit(withError: error) }
        do {
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exitEscaped(error)
        }
    }

    /// Ends the process for an error a command threw. Our own errors quote case ids, names,
    /// paths and server messages, so their text is printed with control characters escaped
    /// (`TerminalText`) and exit status 1, as ArgumentParser would; its own errors go to it
    /// unchanged — ExitCode, ValidationError, CleanExit, and the internal CommandError a command
    /// group's `run()` throws for `--help` (so `kneeflow --help` prints help, not an error).
    static func exitEscaped(_ error: any Error) -> Never {
        if error is ExitCode || error is ValidationError || error is CleanExit
            || String(reflecting: type(of: error)).hasPrefix("ArgumentParser.") {
            exit(withError: error)
        }
        FileHandle.standardError.write(Data("Error: \(TerminalText.escape(String(describing: error)))\n".utf8))
        Foundation.exit(EXIT_FAILURE)
    }
}
