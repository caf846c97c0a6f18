import BackendTestSupport
import ChatTestSupport
import Foundation
import Gateway
import Testing

/// `get_user_chats` shows each chat's last message with the receipts of that chat only: a
/// reader far along in one chat has not read another chat's earlier message.
@Suite(.timeLimit(.minutes(2))) struct ChatListReceiptTests {
    @Test(arguments: TestBackend.allCases)
    func eachLastMessageCarriesTheReceiptsOfItsOwnChat(backend: TestBackend) async throws {
        let directory = try TemporaryDirectory()
        let storage = try await backend.storage(
            at: try backend.location(in: directory), keyFile: backend.keyFile(in: directory))
        let client = ServiceClient(storage: storage)
        let alice = try await client.user("alice")
        let bob = try await client.user("bob")
        let direct = try #require(
            try await client.send(#"{"type":"create_chat","user_id":"\#(bob.id)"}"#, as: alice.context)["chat_id"]
                as? String)
        let group = try #require(
            try await client.send(
                #"{"type":"create_group","group_name":"club","member_ids":["\#(bob.id)"]}"#, as: alice.context)[
                    "chat_id"]
                as? String)
        _ = try await client.send(#"{"type":"message","chat_id":"\#(direct)","content":"unread"}"#, as: alice.context)
        let later = try #require(
            try await client.send(#"{"type":"message","chat_id":"\#(group)","content":"read"}"#, as: alice.context)[
                "message_id"]
                as? String)
        let marked = try await client.send(
            #"{"type":"mark_read","chat_id":"\#(group)","message_id":"\#(later)"}"#, as: bob.context)
        #expect(marked["status"] as? String == "ok", "\(marked)")

        let chats = try #require(
            try await client.send(#"{"type":"get_user_chats"}"#, as: alice.context)["chats"] as? [[String: Any]])
        func readBy(_ chat: String) -> [String]? {
            (chats.first { $0["id"] as? String == chat }?["last_message"] as? [String: Any])?["read_by"] as? [String]
        }
        #expect(readBy(group) == [bob.id])
        #expect(readBy(direct) == [], "bob read the group, not the direct chat")
        await storage.close()
    }
}
