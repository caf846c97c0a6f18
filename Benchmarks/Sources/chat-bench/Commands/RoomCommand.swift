import ArgumentParser
import NIOCore
import NIOPosix

struct RoomCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "room",
        abstract:
            "One room of --members users, all online: how long forming it delays another chat, then messages into it at a fixed rate (open loop)."
    )

    enum Join: String, ExpressibleByArgument, Codable {
        /// One `create_group` with every other member in `member_ids`.
        case create
        /// A group of the creator alone, then one `add_group_member` per member.
        case add
    }

    @OptionGroup var target: TargetOptions
    @Option(help: "Users in the room, each on its own connection.") var members = 1_000
    @Option(help: "How the room is formed: create (one create_group) or add (add_group_member one by one).")
    var join: Join = .create
    @Flag(help: "The server pushes no chat:new (the seed peer): the room is formed once create_group is answered.")
    var noChatNew = false
    @Option(help: "Messages offered per second into the room, from its members in turn.") var rate: Double = 20
    @Option(help: "Measured seconds.") var duration: Double = 10
    @Option(help: "Seconds sent before measuring starts.") var warmup: Double = 3
    @Option(help: "Bytes of content per message.") var contentBytes = 100
    @Option(help: "Milliseconds between the probe chat's messages.") var probeIntervalMs: Int64 = 20
    @Option(help: "Seconds to wait for the last answers and deliveries.") var drainTimeout: Int64 = 20

    struct Report: Codable {
        var mode = "room"
        var framing: Framing
        var members: Int
        var join: Join
        var contentBytes: Int
        /// From the first command forming the room to its last answer.
        var formAnsweredMs: Double
        /// From that first command until every member had its `chat:new` (nil without them).
        var allJoinedMs: Double?
        /// The other chat's deliveries while the room was being formed.
        var probe: LatencyProbe.Summary
        var result: LoadReport
    }

    func validate() throws {
        guard members >= 2, rate > 0, duration > 0 else { throw ValidationError("need 2 members and a positive rate") }
        guard join == .create || !noChatNew else { throw ValidationError("--join add needs chat:new to time it") }
    }

    func run() async throws {
        let loop = clientLoopGroup.next()
        let probeLoop = probeLoopGroup.next()
        let progress = ProgressLine(enabled: !target.quiet)
        let users = try await ChatPopulation.logIn(members, connector: target.connector, loop: loop, progress: progress)
        let pair = try await ChatPopulation.logIn(2, connector: target.connector, loop: probeLoop, progress: progress)
        progress.finish()
        let probeChat = try await ChatPopulation.createGroup(of: [0, 1], named: "probe", users: pair)
        let probe = LatencyProbe(
            sender: pair[0].connection, receiver: pair[1].connection, chatID: probeChat.chatID,
            interval: .milliseconds(probeIntervalMs))
        try await probe.start().get()
        // A few probe messages before the room, so the figures start from a steady state.
        try await loop.scheduleTask(in: .milliseconds(probeIntervalMs * 5)) {}.futureResult.get()

        let first = try await probe.mark().get()
        let started = NIODeadline.now()
        let joined = try await loop.submit { JoinCounter(expected: members - 1, users: users, loop: loop) }.get()
        let room = try await form(users)
        let answered = NIODeadline.now()
        let allJoined: NIODeadline? = noChatNew ? nil : try await joined.allJoined(timeout: .seconds(60)).get()
        // The probe goes on a little after, for a stall that trails the last push.
        try await loop.scheduleTask(in: .milliseconds(250)) {}.futureResult.get()
        let probeSummary = try await probe.stop(summarizingFrom: first).get()

        let participants = room.members.map { index in
            OpenLoopRun.Participant(
                connection: users[index].connection, group: 0, member: index, chatID: room.chatID)
        }
        let load = LoadOptions.room(
            rate: rate, duration: duration, warmup: warmup, contentBytes: contentBytes,
            drainTimeout: drainTimeout, members: members)
        let bench = Workbench(
            target: .chat, participants: participants,
            senders: room.members.map { .init(group: 0, member: $0, groupSize: members) },
            recipientsPerMessage: members - 1)
        let result = try await bench.run(load: load, rate: rate, server: target.server, loop: loop, progress: progress)
        bench.closeAll()
        for user in pair { user.connection.close() }

        let milliseconds = { (end: NIODeadline) in Double((end - started).nanoseconds) / 1e6 }
        let report = Report(
            framing: target.framing, members: members, join: join, contentBytes: contentBytes,
            formAnsweredMs: milliseconds(answered), allJoinedMs: allJoined.map(milliseconds), probe: probeSummary,
            result: result)
        let summary =
            "room of \(members) (\(join.rawValue)): answered after \(format(report.formAnsweredMs)) ms"
            + (report.allJoinedMs.map { ", all joined after \(format($0)) ms" } ?? "")
            + "; other chat meanwhile: worst \(format(probeSummary.worstMs, 1)) ms, p50 \(format(probeSummary.p50Ms, 1)) ms"
            + " (\(probeSummary.delivered)/\(probeSummary.sent) delivered)\n  " + result.summary
        try emit(report, summary: summary, json: target.json)
        if !result.isClean || probeSummary.delivered != probeSummary.sent { throw ExitCode(2) }
    }

    private func form(_ users: [ChatPopulation.User]) async throws -> ChatPopulation.Group {
        let everyone = Array(users.indices)
        switch join {
        case .create:
            return try await ChatPopulation.createGroup(of: everyone, named: "room", users: users)
        case .add:
            let group = try await ChatPopulation.createGroup(of: [0], named: "room", users: users)
            for member in everyone.dropFirst() {
                _ = try await ChatPopulation.call(
                    users[0].connection,
                    #""type":"add_group_member","group_id":"\#(group.chatID)","user_id":"\#(users[member].userID)""#)
            }
            return ChatPopulation.Group(chatID: group.chatID, members: everyone)
        }
    }
}

/// Counts the members that got the room's `chat:new`; confined to the load loop.
private final class JoinCounter: @unchecked Sendable {
    private var remaining: Int
    private let done: EventLoopPromise<NIODeadline>
    private let loop: any EventLoop

    init(expected: Int, users: [ChatPopulation.User], loop: any EventLoop) {
        remaining = expected
        self.loop = loop
        done = loop.makePromise()
        for user in users.dropFirst() {
            var counted = false
            user.connection.onMessage = { [unowned self] message in
                guard !counted, ReplyScanner.isChatNew(message) else { return }
                counted = true
                self.remaining -= 1
                if self.remaining == 0 { self.done.succeed(NIODeadline.now()) }
            }
        }
    }

    func allJoined(timeout: TimeAmount) -> EventLoopFuture<NIODeadline> {
        let timer = loop.scheduleTask(in: timeout) {
            self.done.fail(
                BenchError.setup("not every member got chat:new within \(timeout.nanoseconds / 1_000_000_000) s"))
        }
        return done.futureResult.always { _ in timer.cancel() }
    }
}

extension LoadOptions {
    static func room(
        rate: Double, duration: Double, warmup: Double, contentBytes: Int, drainTimeout: Int64, members: Int
    ) -> LoadOptions {
        var load = LoadOptions()
        load.users = members
        load.groupSize = members
        load.rate = rate
        load.duration = duration
        load.warmup = warmup
        load.contentBytes = contentBytes
        load.drainTimeout = drainTimeout
        return load
    }
}

/// The probe's own loop and thread, apart from the load's.
let probeLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
