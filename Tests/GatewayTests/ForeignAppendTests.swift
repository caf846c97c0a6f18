import ChatDomain
import ChatTestSupport
import EventStore
import Foundation
import Gateway
import Keyring
import Projections
import Testing

/// Another writer of the same database (`replay`, a second gateway): its events reach this
/// process without any append of its own, and the caches they affect follow.
@Suite(.timeLimit(.minutes(1))) struct ForeignAppendTests {
    /// Resumes once the log has handed on an event of `stream` appended by another writer.
    final class ForeignEvents: @unchecked Sendable {
        private let lock = NSLock()
        private var seen: Set<String> = []
        private var waiting: [(String, CheckedContinuation<Void, Never>)] = []

        init(_ log: SQLiteEventLog) {
            log.observeForeignAppends { [self] events in
                let ready = lock.withLock {
                    for event in events { seen.insert(event.streamID) }
                    let ready = waiting.filter { seen.contains($0.0) }
                    waiting.removeAll { seen.contains($0.0) }
                    return ready
                }
                for (_, continuation) in ready { continuation.resume() }
            }
        }

        func wait(for stream: String) async {
            await withCheckedContinuation { continuation in
                let now = lock.withLock {
                    if seen.contains(stream) { return true }
                    waiting.append((stream, continuation))
                    return false
                }
                if now { continuation.resume() }
            }
        }
    }

    @Test func aRemovalByAnotherWriterEndsTypingAndReadingAtOnceWithoutALocalAppend() async throws {
        let h = try await ChatServiceHarness.make()
        let alice = try await h.user("alice")
        let bob = try await h.user("bob")
        let groupID = try #require(
            try await h.send(
                #"{"type":"create_group","group_name":"g","member_ids":["\#(bob.id)"]}"#, on: alice.connection)[
                    "chat_id"] as? String)
        let typing = #"{"type":"typing","chat_id":"\#(groupID)"}"#
        #expect(try await h.send(typing, on: bob.connection).isOK)  // the group, with bob, is cached

        let foreign = ForeignEvents(h.log)  // after the service's own observer, so it runs after it
        let database = h.directory.path("chat.db")
        let keyring = try Keyring.open(databasePath: database)
        let other = try await SQLiteEventLog.open(path: database, projection: ChatProjection(keyring: keyring))
        let outsider = ChatService(
            storage: .sqlite(log: other, keyring: keyring), configuration: .init(passwordParameters: .fastForTesting))
        let removal = await outsider.handle(
            Array(#"{"type":"remove_group_member","group_id":"\#(groupID)","user_id":"\#(bob.id)"}"#.utf8),
            context: alice.connection.context)
        #expect(String(decoding: removal.response, as: UTF8.self).contains(#""removed":true"#))
        await other.close()

        await foreign.wait(for: StreamName.chat(ChatID(groupID)))
        #expect(try await h.send(typing, on: bob.connection).code == "forbidden", "the cached membership was dropped")
        #expect(
            try await h.send(#"{"type":"get_messages","chat_id":"\#(groupID)"}"#, on: bob.connection).code
                == "forbidden")
        #expect(try await h.log.headPosition() == (try await h.log.read(after: 0, limit: 100).last?.position))
    }
}
