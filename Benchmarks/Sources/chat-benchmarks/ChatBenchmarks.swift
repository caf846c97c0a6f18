import ArgumentParser
import EventStore
import Foundation
import PostgresBackend
import Projections

@main
struct ChatBenchmarks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat-benchmarks",
        abstract: "Event store benchmarks, each beside a raw-SQLite baseline measured in the same run.")

    enum Suite: String, ExpressibleByArgument, CaseIterable {
        case appends, rebuild, queries, parsing, sealing, postgres, all
    }

    @Argument(help: "appends, rebuild, queries, parsing, sealing, postgres (needs --postgres-url) or all.")
    var suite: Suite = .all
    @Option(help: "Scratch directory for databases.") var directory = "/tmp/chat-benchmarks"
    @Option(help: "Runs per measurement; the median is reported.") var runs = 3
    @Option(help: "Appends per run at each concurrency.") var appends = 20_000
    @Option(help: "Messages in the large database.") var messages = 1_000_000
    @Option(help: "Samples per query.") var samples = 1_000
    @Option(help: "Iterations per parsing run.") var parseIterations = 200_000
    @Option(help: "Messages in each log the sealing suite rebuilds.") var sealingMessages = 200_000
    @Option(help: "A PostgreSQL database the postgres suite may empty (its tables are dropped).")
    var postgresURL: String?

    func run() async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if suite == .appends || suite == .all {
            try await AppendBenchmark(directory: directory, runs: runs, appends: appends).run()
        }
        if suite == .postgres {
            guard let postgresURL else { throw ValidationError("the postgres suite needs --postgres-url") }
            return try await PostgresAppendBenchmark(url: PostgresURL(postgresURL), runs: runs, appends: appends).run()
        }
        if suite == .parsing || suite == .all { try ParsingBenchmark(runs: runs, iterations: parseIterations).run() }
        if suite == .sealing || suite == .all {
            try await SealingBenchmark(directory: directory, runs: runs, appends: appends, messages: sealingMessages)
                .run()
        }
        guard suite != .appends, suite != .parsing, suite != .sealing else { return }
        let chat = SyntheticChat(userCount: 5_000, chatCount: 1_000)
        let path = directory + "/large-\(messages).db"
        if !FileManager.default.fileExists(atPath: path) {
            FileHandle.standardError.write(Data("writing \(messages) messages to \(path)…\n".utf8))
            try chat.writeLog(
                path: path, messageCount: messages, sealer: try Sealing.keyring.sealer(forDatabase: path))
            _ = try ProjectionRebuilder.rebuild(path: path)
        }
        if suite == .rebuild || suite == .all { try RebuildBenchmark(path: path, runs: runs).run() }
        if suite == .queries || suite == .all { try QueryBenchmark(path: path, chat: chat, samples: samples).run() }
    }
}
