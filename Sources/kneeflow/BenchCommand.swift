import ArgumentParser

/// `kneeflow bench …`: benchmarks that `make bench` runs. Each prints JSON on stdout.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks (queue throughput, imaging chain, classifier); JSON on stdout.",
        subcommands: [
            // One file per benchmark: Bench<Name>Command.swift.
            BenchChainCommand.self,
            BenchQueueCommand.self,
            BenchClassifierCommand.self,
            BenchReadCommand.self,
            BenchNMFCommand.self,
            BenchE2ECommand.self,
        ]
    )
}
