import ChatTestSupport
import EventStore
import Foundation
import Gateway
import Projections
import Testing

/// Sends decide against cached chat state; the log's version check must keep that exact.
@Suite(.timeLimit(.minutes(1))) struct ChatStateCacheTests {
    @Test func aMemberRemovedThroughAnotherServiceCannotSendThroughOneThatCachedTheChat() async throws {
        let h = try await ChatServiceHarness.make()
        // A second service on the same log, as a second gateway would be.
        let other = ChatService(
            storage: .sqlite(log: h.log, keyring: h.service.keyring),
            configuration: .init(passwordParameters: .fastForTesting))
        let alice = try await h.user("alice")
        let bob = try await h.user("bob")
        let groupID =
            try await h.send(
                #"{"type":"create_group","group_name":"g","member_ids":["\#(bob.id)"]}"#, on: alice.connection
            ).field("chat_id", as: String.self)
        let send = #"{"type":"message","chat_id":"\#(groupID)","content":"hi"}"#
        #expect(try await h.send(send, on: bob.connection).isOK)  // caches the group with bob in it

        let removal = await other.handle(
            Array(#"{"type":"remove_group_member","group_id":"\#(groupID)","user_id":"\#(bob.id)"}"#.utf8),
            context: alice.connection.context)
        #expect(String(decoding: removal.response, as: UTF8.self).contains(#""removed":true"#))

        #expect(try await h.send(send, on: bob.connection).code == "forbidden")
        #expect(try await h.send(send, on: alice.connection).isOK)
        let page = try await h.send(#"{"type":"get_messages","chat_id":"\#(groupID)"}"#, on: alice.connection)
        #expect((page["messages"] as? [Any])?.count == 2)
    }

    @Test func aRepeatedClientIDIsAnsweredAsADuplicateEvenAfterTheSenderLeft() async throws {
        let h = try await ChatServiceHarness.make()
        let alice = try await h.user("alice")
        let bob = try await h.user("bob")
        let groupID =
            try await h.send(
                #"{"type":"create_group","group_name":"g","member_ids":["\#(bob.id)"]}"#, on: alice.connection
            ).field("chat_id", as: String.self)
        let send = #"{"type":"message","chat_id":"\#(groupID)","content":"once","client_message_id":"c1"}"#
        let first = try await h.send(send, on: bob.connection)
        let again = try await h.send(send, on: bob.connection)
        #expect(again["duplicate"] as? Bool == true)
        #expect(again["message_id"] as? String == first["message_id"] as? String)
        #expect(again["timestamp"] as? String == first["timestamp"] as? String)

        _ = try await h.send(
            #"{"type":"remove_group_member","group_id":"\#(groupID)","user_id":"\#(bob.id)"}"#, on: bob.connection)
        let afterLeaving = try await h.send(send, on: bob.connection)
        #expect(afterLeaving["duplicate"] as? Bool == true)
        #expect(afterLeaving["message_id"] as? String == first["message_id"] as? String)
        let fresh = #"{"type":"message","chat_id":"\#(groupID)","content":"new","client_message_id":"c2"}"#
        #expect(try await h.send(fresh, on: bob.connection).code == "forbidden")
    }
}
