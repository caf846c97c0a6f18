import ArgumentParser

@main
struct ChatBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat-bench",
        abstract:
            "Load generator for chat-gateway: open-loop throughput, idle connections, rate sweeps, and the echo ceiling.",
        subcommands: [
            ThroughputCommand.self, ConnectionsCommand.self, SweepCommand.self, EchoCommand.self, RoomCommand.self,
        ])
}

/// What a throughput or echo run prints with `--json`.
struct ThroughputReport: Codable {
    var mode: String
    var framing: Framing
    var users: Int
    var groupSize: Int
    var contentBytes: Int
    var result: LoadReport
}
