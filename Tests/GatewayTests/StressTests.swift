import ChatDomain
import EventStore
import Foundation
import Gateway
import Projections
import Testing

/// Many writers and readers on one log at once, through the service's real conflict handling;
/// the log and projections must verify after, and a subscriber must see every event once.
@Suite(.timeLimit(.minutes(2)))
struct StressTests {
    @Test func concurrentWritersReadersAndASubscriberLeaveAVerifiableLog() async throws {
        let h = try await ChatServiceHarness.make()
        var users = [(connection: ChatServiceHarness.Connection, id: String, token: String)]()
        for index in 0..<6 { users.append(try await h.user("user\(index)")) }
        let members = users.dropFirst().map { #""\#($0.id)""# }.joined(separator: ",")
        let group =
            try await h.send(
                #"{"type":"create_group","group_name":"all","member_ids":[\#(members)]}"#, on: users[0].connection
            ).field("chat_id", as: String.self)
        let head = try await h.log.headPosition()
        let perWriter = 30
        let total = users.count * perWriter

        let subscriber = Task {
            var last = head
            for try await event in h.log.subscribe(after: head) {
                guard event.position == last + 1 else { return false }
                last = event.position
                if last == head + Int64(total) { return true }
            }
            return false
        }
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for (index, user) in users.enumerated() {
                tasks.addTask {
                    for message in 0..<perWriter {
                        let reply = try await h.send(
                            #"{"type":"message","chat_id":"\#(group)","content":"w\#(index) m\#(message)","client_message_id":"w\#(index)-\#(message)"}"#,
                            on: user.connection)
                        #expect(reply["duplicate"] as? Bool == false, "\(reply)")
                    }
                }
                tasks.addTask {
                    for _ in 0..<perWriter {
                        _ = try await h.log.withReader {
                            try ReadModelQueries.messages(in: ChatID(group), before: nil, limit: 20, on: $0)
                        }
                        _ = try await h.log.withReader { try ReadModelQueries.chats(of: UserID(user.id), on: $0) }
                    }
                }
            }
            try await tasks.waitForAll()
        }
        #expect(try await subscriber.value, "the subscription saw every event once, in order")
        let page = try await h.log.withReader {
            try ReadModelQueries.messages(in: ChatID(group), before: nil, limit: 200, on: $0)
        }
        #expect(Set(page.messages.map(\.content)).count == total)
        await h.log.close()
        #expect(
            try ProjectionVerifier.verify(path: h.directory.path("chat.db")) == .verified(events: head + Int64(total)))
    }
}
