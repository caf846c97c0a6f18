import ChatDomain
import ChatTestSupport
import EventStore
import Foundation
import Projections
import Testing

/// `kill -9` of a real `replay rebuild` half-way: the live projections are untouched and
/// still match the log, and the next rebuild succeeds.
@Suite(.timeLimit(.minutes(2))) struct RebuildKillTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory() }

    /// A log of 2,000 messages in ten groups, with its projections.
    private func populatedDatabase() async throws -> String {
        let path = directory.path("chat.db")
        let scenario = try await ChatScenario.open(path: path)
        let alice = try await scenario.register("alice")
        let bob = try await scenario.register("bob")
        var groups = [ChatID]()
        for number in 0..<10 {
            groups.append(try await scenario.createGroup(alice, name: "group \(number)", members: [bob]))
        }
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for group in groups {
                tasks.addTask {
                    for number in 0..<200 {
                        _ = try await scenario.send(number % 2 == 0 ? alice : bob, to: group, "message \(number)")
                    }
                }
            }
            try await tasks.waitForAll()
        }
        await scenario.close()
        return path
    }

    /// Fills the pipe's buffer, so the next write to it blocks.
    private func fill(_ pipe: Pipe) throws {
        let descriptor = pipe.fileHandleForWriting.fileDescriptor
        let flags = fcntl(descriptor, F_GETFL)
        _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)
        let chunk = [UInt8](repeating: UInt8(ascii: "."), count: 4_096)
        while chunk.withUnsafeBytes({ write(descriptor, $0.baseAddress, $0.count) }) > 0 {}
        // The child shares this open file: it must block, not fail, when the pipe is full.
        _ = fcntl(descriptor, F_SETFL, flags)
    }

    private func stagedMessageCount(_ path: String) throws -> Int64 {
        let db = try SQLiteConnection(path: path)
        return try db.scalarInt64("SELECT count(*) FROM rebuild_messages") ?? 0
    }

    private func stagingTableCount(_ path: String) throws -> Int64 {
        let db = try SQLiteConnection(path: path)
        return try db.scalarInt64(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 'rebuild\\_%' ESCAPE '\\'") ?? 0
    }

    @Test func killedMidRebuildTheOldProjectionsStandAndTheNextRebuildSucceeds() async throws {
        let path = try await populatedDatabase()
        let before = try Fixtures.dumpJSON(path)
        let head = try EventLogFile.headPosition(on: EventLogFile.openExisting(path: path, readOnly: true))
        #expect(head > 2_000)

        // stderr is a pipe filled to the brim: the rebuild's first progress line, drawn after
        // its first staging transaction commits, blocks it there, short of the swap.
        let stderr = Pipe()
        try fill(stderr)
        let process = Process()
        process.executableURL = ToolRun.executable("replay")
        process.arguments = ["rebuild", "--db", path, "--batch-size", "10"]
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        try await waitUntil { ((try? stagedMessageCount(path)) ?? 0) > 0 }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)

        #expect(try stagingTableCount(path) > 0, "killed while staging")
        #expect(try Fixtures.dumpJSON(path) == before, "the live projections are untouched")
        #expect(try ProjectionVerifier.verify(path: path) == .verified(events: head))

        let again = Process()
        again.executableURL = ToolRun.executable("replay")
        again.arguments = ["rebuild", "--db", path]
        again.standardError = FileHandle.nullDevice
        again.standardOutput = FileHandle.nullDevice
        try again.run()
        again.waitUntilExit()
        #expect(again.terminationStatus == 0)
        #expect(try stagingTableCount(path) == 0)
        #expect(try Fixtures.dumpJSON(path) == before)
        #expect(try ProjectionVerifier.verify(path: path) == .verified(events: head))
    }
}
