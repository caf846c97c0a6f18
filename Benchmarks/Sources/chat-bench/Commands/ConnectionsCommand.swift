import ArgumentParser
import Foundation
import NIOCore

struct ConnectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connections",
        abstract:
            "Holds many idle authenticated connections while one message a second goes through a group; checks every delivery and reports the server's memory per connection."
    )

    @OptionGroup var target: TargetOptions
    @Option(help: "Connections to hold, in all.") var count = 10_000
    @Option(help: "Seconds to hold them.") var hold: Double = 30
    @Option(help: "Users logged in (a password hash each); the other connections authenticate with their tokens.")
    var users = 100
    @Option(help: "Members of the group the messages go through.") var groupSize = 5
    @Option(help: "Connections per loopback source address (127.0.0.1, 127.0.0.2, …).")
    var connectionsPerAddress = 25_000

    struct Report: Codable {
        var mode = "connections"
        var framing: Framing
        var requested: Int
        var opened: Int
        var openAtEnd: Int
        var sourceAddresses: Int
        var holdSeconds: Double
        var messagesSent: Int
        var messagesAnswered: Int
        var deliveriesExpected: Int
        var deliveriesReceived: Int
        var duplicates: Int
        /// Growth of the server's resident memory from `users` connections to `requested`,
        /// divided by the connections added.
        var serverBytesPerConnection: Int?
        var server: ServerUsage?
    }

    func validate() throws {
        guard users >= groupSize, users % groupSize == 0, count > users else {
            throw ValidationError("--count must exceed --users, a multiple of --group-size")
        }
    }

    func run() async throws {
        let loop = clientLoopGroup.next()
        let progress = ProgressLine(enabled: !target.quiet)
        let connector = target.connector
        let population = try await ChatPopulation.establish(
            userCount: users, groupSize: groupSize, connector: connector, loop: loop, progress: progress)
        let before = try target.server?.sample()

        // The other connections, spread over the users; each is a session of its user.
        let extra = count - users
        var connections = population.users.map(\.connection)
        var owners = Array(0..<users)
        var sessions = [(Int, BenchConnection)?](repeating: nil, count: extra)
        let perAddress = connectionsPerAddress
        try await forEach(0..<extra, concurrency: 256) { index in
            let owner = index % population.users.count
            let address = "127.0.0.\(1 + (index + population.users.count) / perAddress)"
            let connection = try await ChatPopulation.authenticate(
                token: population.users[owner].token, connector: connector, loop: loop, from: address)
            progress.update("connections")
            return (index, (owner, connection))
        } collect: { (index, session) in
            sessions[index] = session
        }
        for session in sessions {
            owners.append(session!.0)
            connections.append(session!.1)
        }
        progress.finish()
        let after = try target.server?.sample()

        let group = population.groups[0]
        let groupUsers = Set(group.members)
        let recipients = owners.filter { groupUsers.contains($0) }.count - 1
        let holder = IdleHold(
            loop: loop, connections: connections, sender: connections[group.members[0]],
            chatID: group.chatID, server: target.server, progress: progress)
        var hold = try await holder.run(seconds: Int(hold)).get()
        progress.finish()

        if let before, let after {
            hold.report.serverBytesPerConnection = (after.residentBytes - before.residentBytes) / extra
        }
        for connection in connections { connection.close() }
        let report = Report(
            framing: target.framing, requested: count, opened: connections.count, openAtEnd: hold.openAtEnd,
            sourceAddresses: 1 + (count - 1) / perAddress, holdSeconds: self.hold,
            messagesSent: hold.report.sent, messagesAnswered: hold.report.answered,
            deliveriesExpected: hold.report.sent * recipients, deliveriesReceived: hold.report.delivered,
            duplicates: hold.report.duplicates, serverBytesPerConnection: hold.report.serverBytesPerConnection,
            server: hold.report.server)
        var summary =
            "connections \(target.framing.rawValue): held \(report.openAtEnd)/\(count) for \(Int(self.hold)) s"
        summary += ", \(report.messagesAnswered)/\(report.messagesSent) messages answered"
        summary +=
            ", delivered \(report.deliveriesReceived)/\(report.deliveriesExpected) (duplicated \(report.duplicates))"
        if let bytes = report.serverBytesPerConnection {
            summary += ", server \(format(Double(bytes) / 1024, 1)) KB/connection"
        }
        if let server = report.server { summary += " | " + server.summary }
        try emit(report, summary: summary, json: target.json)
        let clean =
            report.openAtEnd == count && report.messagesAnswered == report.messagesSent
            && report.deliveriesReceived == report.deliveriesExpected && report.duplicates == 0
        if !clean { throw ExitCode(2) }
    }
}

/// Sends one message a second through a group while every connection sits idle, and
/// counts what each connection receives. Confined to the connections' event loop.
final class IdleHold: @unchecked Sendable {
    struct Outcome {
        var sent = 0
        var answered = 0
        var delivered = 0
        var duplicates = 0
        var serverBytesPerConnection: Int?
        var server: ServerUsage?
    }

    private let loop: any EventLoop
    private let connections: [BenchConnection]
    private let sender: BenchConnection
    private let chatID: String
    private let server: ServerProcess?
    private let progress: ProgressLine
    private var outcome = Outcome()
    private var lastSeen: [Int]

    init(
        loop: any EventLoop, connections: [BenchConnection], sender: BenchConnection, chatID: String,
        server: ServerProcess?, progress: ProgressLine
    ) {
        self.loop = loop
        self.connections = connections
        self.sender = sender
        self.chatID = chatID
        self.server = server
        self.progress = progress
        lastSeen = Array(repeating: -1, count: connections.count)
    }

    func run(seconds: Int) -> EventLoopFuture<(report: Outcome, openAtEnd: Int)> {
        loop.flatSubmit {
            for (index, connection) in self.connections.enumerated() {
                connection.onMessage = { [unowned self] message in self.received(message, by: index) }
            }
            let start = try? self.server?.sample()
            let startTime = NIODeadline.now()
            let sent = self.loop.makePromise(of: Void.self)
            self.sendEverySecond(remaining: seconds, done: sent)
            return sent.futureResult.flatMap {
                // Give the last message a moment to arrive everywhere.
                self.loop.scheduleTask(in: .seconds(2)) {}.futureResult
            }.map {
                if let start, let end = try? self.server?.sample() {
                    self.outcome.server = ServerUsage(
                        cpuSeconds: end.cpuSeconds - start.cpuSeconds,
                        windowSeconds: Double((NIODeadline.now() - startTime).nanoseconds) / 1e9,
                        residentBytes: end.residentBytes, deliveries: self.outcome.delivered,
                        messages: self.outcome.answered)
                }
                let open = self.connections.filter { $0.channel.isActive }.count
                return (self.outcome, open)
            }
        }
    }

    private func sendEverySecond(remaining: Int, done: EventLoopPromise<Void>) {
        guard remaining > 0 else {
            done.succeed()
            return
        }
        let sequence = outcome.sent
        outcome.sent += 1
        sender.write(
            ByteBuffer(
                string:
                    #"{"type":"message","chat_id":"\#(chatID)","content":"\#(sequence) idle check","request_id":\#(sequence)}"#
            ))
        sender.flush()
        progress.show("holding: sent \(outcome.sent), delivered \(outcome.delivered)")
        loop.scheduleTask(in: .seconds(1)) { self.sendEverySecond(remaining: remaining - 1, done: done) }
    }

    private func received(_ message: ByteBuffer, by index: Int) {
        switch ReplyScanner.kind(of: message) {
        case .ok:
            if ReplyScanner.requestID(in: message) != nil { outcome.answered += 1 }
        case .messageNew:
            guard let sequence = ReplyScanner.contentSequence(in: message) else { return }
            // Pushes arrive in log order, so a sequence not above the last one is a repeat.
            if sequence <= lastSeen[index] {
                outcome.duplicates += 1
            } else {
                lastSeen[index] = sequence
                outcome.delivered += 1
            }
        case .error, .otherPush:
            break
        }
    }
}
