import NIOCore

/// Prepares the connections an open-loop run sends through, for either target.
struct Workbench: Sendable {
    var target: OpenLoopRun.Target
    var participants: [OpenLoopRun.Participant]
    var senders: [LoadPlan.Sender]
    var recipientsPerMessage: Int

    /// Chat server: users logged in and grouped. Echo server: plain connections.
    static func prepare(
        target: OpenLoopRun.Target, options: TargetOptions, load: LoadOptions, loop: any EventLoop,
        progress: ProgressLine
    ) async throws -> Workbench {
        switch target {
        case .chat:
            let population = try await ChatPopulation.establish(
                userCount: load.users, groupSize: load.groupSize, connector: options.connector, loop: loop,
                progress: progress)
            var participants: [OpenLoopRun.Participant] = []
            var senders: [LoadPlan.Sender] = []
            for (groupIndex, group) in population.groups.enumerated() {
                for (member, userIndex) in group.members.enumerated() {
                    participants.append(
                        .init(
                            connection: population.users[userIndex].connection, group: groupIndex, member: member,
                            chatID: group.chatID))
                    senders.append(.init(group: groupIndex, member: member, groupSize: group.members.count))
                }
            }
            // Interleave groups so that consecutive messages go to different chats.
            let order = interleavedOrder(groupCount: population.groups.count, groupSize: load.groupSize)
            return Workbench(
                target: target, participants: order.map { participants[$0] }, senders: order.map { senders[$0] },
                recipientsPerMessage: load.groupSize - 1)
        case .echo:
            var participants = [OpenLoopRun.Participant?](repeating: nil, count: load.users)
            let connector = options.connector
            try await forEach(0..<load.users, concurrency: 64) { index in
                let connection = try await connector.connect(on: loop).get()
                progress.update("connecting")
                return (index, connection)
            } collect: { (index, connection) in
                participants[index] = .init(connection: connection, group: index, member: 0, chatID: "echo")
            }
            return Workbench(
                target: target, participants: participants.map { $0! },
                senders: (0..<load.users).map { .init(group: $0, member: 0, groupSize: 1) }, recipientsPerMessage: 0)
        }
    }

    /// Member 0 of every group, then member 1 of every group, …
    private static func interleavedOrder(groupCount: Int, groupSize: Int) -> [Int] {
        (0..<groupSize).flatMap { member in (0..<groupCount).map { group in group * groupSize + member } }
    }

    func run(
        load: LoadOptions, rate: Double, runID: Int = 0, server: ServerProcess?, loop: any EventLoop,
        progress: ProgressLine
    )
        async throws -> LoadReport
    {
        let plan = load.plan(senders: senders, rate: rate, recipientsPerMessage: recipientsPerMessage)
        let run = OpenLoopRun(
            loop: loop, participants: participants, plan: plan, target: target, runID: runID,
            contentBytes: load.contentBytes,
            drainTimeout: .seconds(load.drainTimeout), server: server, progress: progress)
        let report = try await run.run().get()
        progress.finish()
        return report
    }

    func closeAll() {
        for participant in participants { participant.connection.close() }
    }
}
