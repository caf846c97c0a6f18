import ArgumentParser
import NIOCore
import NIOPosix

/// Where the server is, and how to report.
struct TargetOptions: ParsableArguments {
    @Option(help: "Server address.") var host = "127.0.0.1"
    @Option(help: "Server port.") var port = 5000
    @Option(help: "ws (WebSocket) or tcp (newline-delimited JSON).") var framing: Framing = .ws
    @Option(help: "WebSocket path.") var path = "/ws"
    @Option(help: "The server's process id: adds its CPU time and memory, read from /proc.") var serverPid: Int?
    @Flag(help: "Print the report as JSON.") var json = false
    @Flag(help: "No progress line on standard error.") var quiet = false

    var connector: Connector { Connector(host: host, port: port, framing: framing, path: path) }
    var server: ServerProcess? { serverPid.map(ServerProcess.init(pid:)) }
}

/// The shape of an open-loop run.
struct LoadOptions: ParsableArguments {
    @Option(help: "Users, each on its own connection, all sending.") var users = 1_000
    @Option(help: "Members per group; every message is delivered to the other members.") var groupSize = 5
    @Option(help: "Messages offered per second, across all users.") var rate: Double = 5_000
    @Option(help: "Measured seconds.") var duration: Double = 10
    @Option(help: "Seconds sent before measuring starts.") var warmup: Double = 3
    @Option(help: "Bytes of content per message.") var contentBytes = 100
    @Option(help: "Seconds to wait for the last answers and deliveries.") var drainTimeout: Int64 = 10

    func validate() throws {
        guard rate > 0, duration > 0, warmup >= 0 else { throw ValidationError("rate and duration must be positive") }
        guard (2...1_000).contains(groupSize) else { throw ValidationError("--group-size must be from 2 to 1000") }
    }

    func plan(senders: [LoadPlan.Sender], rate: Double? = nil, recipientsPerMessage: Int) -> LoadPlan {
        LoadPlan(
            senders: senders, rate: rate ?? self.rate, warmupSeconds: warmup, durationSeconds: duration,
            recipientsPerMessage: recipientsPerMessage)
    }
}

extension Framing: ExpressibleByArgument {}

/// The one event loop all of a run's client connections live on. One thread leaves the
/// other core to the server on a two-core machine, and keeps the ledger lock-free.
let clientLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
