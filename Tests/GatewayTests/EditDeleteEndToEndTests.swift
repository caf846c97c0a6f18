import BackendTestSupport
import Foundation
import Gateway
import Testing

/// `edit_message`, `delete_message` and their pushes (protocol §9) over real sockets: Alice on
/// raw TCP, Bob on WebSocket, Carol a group member who is offline and resumes.
@Suite(.timeLimit(.minutes(2)))
struct EditDeleteEndToEndTests {
    struct Setup {
        var gateway: GatewayHarness
        var alice: RawClient
        var bob: RawClient
        var bobID: String
        var carolID: String
        var carolToken: String
        var groupID: String
    }

    /// A group of Alice (admin), Bob and Carol; Carol logged in once and went away.
    func setup(backend: TestBackend) async throws -> Setup {
        let gateway = try await GatewayHarness.start(backend: backend)
        let alice = try await gateway.tcp()
        let bob = try await gateway.webSocket()
        _ = try await command(alice, #"{"type":"register","username":"alice","password":"password-1"}"#)
        let bobID =
            try await command(ws: bob, #"{"type":"register","username":"bob","password":"password-1"}"#).field(
                "user_id", as: String.self)
        let carolID =
            try await command(alice, #"{"type":"register","username":"carol","password":"password-1"}"#).field(
                "user_id", as: String.self)
        let carolToken =
            try await command(alice, #"{"type":"login","username":"carol","password":"password-1"}"#).field(
                "token", as: String.self)
        let aliceConnection = try await gateway.tcp()
        _ = try await command(aliceConnection, #"{"type":"login","username":"alice","password":"password-1"}"#)
        await alice.close()
        _ = try await command(ws: bob, #"{"type":"login","username":"bob","password":"password-1"}"#)
        let groupID =
            try await command(
                aliceConnection,
                #"{"type":"create_group","group_name":"team","member_ids":["\#(bobID)","\#(carolID)"]}"#
            ).field("chat_id", as: String.self)
        return Setup(
            gateway: gateway, alice: aliceConnection, bob: bob, bobID: bobID, carolID: carolID, carolToken: carolToken,
            groupID: groupID)
    }

    /// The next push of `type` on a WebSocket client, skipping others.
    func webSocketPush(_ client: RawClient, _ type: String) async throws -> [String: Any] {
        while let message = try await client.json() {
            if message["type"] as? String == type { return message }
        }
        return [:]
    }

    func messages(_ client: RawClient, in chatID: String) async throws -> [[String: Any]] {
        try await command(client, #"{"type":"get_messages","chat_id":"\#(chatID)"}"#)["messages"] as? [[String: Any]]
            ?? []
    }

    @Test(arguments: TestBackend.allCases)
    func anEditReachesTheOtherParticipantsAndTheHistoryShowsTheLatestText(backend: TestBackend) async throws {
        let s = try await setup(backend: backend)
        let sent = try await command(
            ws: s.bob, #"{"type":"message","chat_id":"\#(s.groupID)","content":"see you at 5"}"#)
        let messageID = try sent.field("message_id", as: String.self)
        let edit = try await command(
            ws: s.bob,
            #"{"type":"edit_message","chat_id":"\#(s.groupID)","message_id":"\#(messageID)","content":"see you at 6","request_id":"e"}"#
        )
        #expect(edit["status"] as? String == "ok")
        #expect(edit["request_id"] as? String == "e")
        #expect(edit["changed"] as? Bool == true)
        let editedAt = try #require(edit["edited_at"] as? String)
        let position = try #require(edit["position"] as? Int)
        #expect(try position > sent.field("position", as: Int.self))

        var pushed = try await push(s.alice)
        while pushed["type"] as? String == "message:new" { pushed = try await push(s.alice) }
        #expect(pushed["type"] as? String == "message:edited")
        #expect(pushed["position"] as? Int == position)
        #expect(
            pushed["payload"] as? [String: String] == [
                "chat_session_id": s.groupID, "message_id": messageID, "content": "see you at 6",
                "edited_at": editedAt, "editor_id": s.bobID,
            ])

        let same = try await command(
            ws: s.bob,
            #"{"type":"edit_message","chat_id":"\#(s.groupID)","message_id":"\#(messageID)","content":"see you at 6"}"#
        )
        #expect(same["changed"] as? Bool == false)
        #expect(same["edited_at"] as? String == editedAt)
        #expect(same["position"] as? Int == position, "a no-op edit answers with the current version")

        let history = try await messages(s.alice, in: s.groupID)
        #expect(history.count == 1)
        #expect(history[0]["content"] as? String == "see you at 6")
        #expect(history[0]["edited_at"] as? String == editedAt)
        #expect(history[0]["deleted"] as? Bool == false)
        try await s.gateway.stop()
    }

    @Test(arguments: TestBackend.allCases)
    func onlyTheSenderEditsAndOnlyTheSenderOrAnAdminDeletes(backend: TestBackend) async throws {
        let s = try await setup(backend: backend)
        let fromBob =
            try await command(ws: s.bob, #"{"type":"message","chat_id":"\#(s.groupID)","content":"bob's"}"#).field(
                "message_id", as: String.self)
        let fromAlice =
            try await command(s.alice, #"{"type":"message","chat_id":"\#(s.groupID)","content":"alice's"}"#).field(
                "message_id", as: String.self)
        let adminEdits = try await command(
            s.alice,
            #"{"type":"edit_message","chat_id":"\#(s.groupID)","message_id":"\#(fromBob)","content":"hacked"}"#)
        #expect(adminEdits["code"] as? String == "forbidden")
        let memberDeletes = try await command(
            ws: s.bob, #"{"type":"delete_message","chat_id":"\#(s.groupID)","message_id":"\#(fromAlice)"}"#)
        #expect(memberDeletes["code"] as? String == "forbidden")
        let wrongChat = try await command(
            ws: s.bob, #"{"type":"delete_message","chat_id":"\#(s.groupID)","message_id":"m-nothing"}"#)
        #expect(wrongChat["code"] as? String == "invalid_request")
        #expect((wrongChat["message"] as? String)?.contains("message_id") == true)
        let missingField = try await command(ws: s.bob, #"{"type":"edit_message","chat_id":"\#(s.groupID)"}"#)
        #expect(missingField["code"] as? String == "invalid_request")

        let adminDeletes = try await command(
            s.alice, #"{"type":"delete_message","chat_id":"\#(s.groupID)","message_id":"\#(fromBob)"}"#)
        #expect(adminDeletes["deleted"] as? Bool == true)
        let deleted = try await webSocketPush(s.bob, "message:deleted")
        let payload = try #require(deleted["payload"] as? [String: String])
        #expect(payload["message_id"] == fromBob)
        #expect(payload["deleted_by"] == (try await userID(of: s.alice)))
        #expect(payload["deleted_at"] != nil)

        let again = try await command(
            ws: s.bob, #"{"type":"delete_message","chat_id":"\#(s.groupID)","message_id":"\#(fromBob)"}"#)
        #expect(again["deleted"] as? Bool == false)
        let editDeleted = try await command(
            ws: s.bob,
            #"{"type":"edit_message","chat_id":"\#(s.groupID)","message_id":"\#(fromBob)","content":"back"}"#)
        #expect(editDeleted["code"] as? String == "invalid_request")

        let history = try await messages(s.alice, in: s.groupID)
        #expect(history.map { $0["id"] as? String } == [fromBob, fromAlice], "a tombstone keeps its place")
        #expect(history[0]["content"] as? String == "")
        #expect(history[0]["deleted"] as? Bool == true)
        #expect(history[0]["sender_username"] as? String == "bob")
        try await s.gateway.stop()
    }

    @Test(arguments: TestBackend.allCases)
    func deletedMessagesAreNotUnreadAndResumeReplaysEditsAndDeletions(backend: TestBackend) async throws {
        let s = try await setup(backend: backend)
        let kept =
            try await command(s.alice, #"{"type":"message","chat_id":"\#(s.groupID)","content":"kept"}"#).field(
                "message_id", as: String.self)
        let dropped =
            try await command(s.alice, #"{"type":"message","chat_id":"\#(s.groupID)","content":"dropped"}"#).field(
                "message_id", as: String.self)
        let edited = try await command(
            s.alice, #"{"type":"edit_message","chat_id":"\#(s.groupID)","message_id":"\#(kept)","content":"kept!"}"#)
        let deleted = try await command(
            s.alice, #"{"type":"delete_message","chat_id":"\#(s.groupID)","message_id":"\#(dropped)"}"#)
        #expect(deleted["deleted"] as? Bool == true)

        let carol = try await s.gateway.tcp()
        try await carol.write(#"{"type":"auth","token":"\#(s.carolToken)","since":0}"# + "\n")
        #expect(try await response(carol)?["status"] as? String == "ok")
        var replayed = [String]()
        while replayed.last != "message:deleted" {
            replayed.append(try await push(carol)["type"] as? String ?? "")
        }
        #expect(
            replayed == ["chat:new", "message:new", "message:new", "message:edited", "message:deleted"],
            "the missed edit and deletion replay in log order")

        let chats =
            try await command(carol, #"{"type":"get_user_chats"}"#)["chats"] as? [[String: Any]] ?? []
        let chat = try #require(chats.first)
        #expect(chat["unread_count"] as? Int == 1, "the deleted message is not unread")
        let last = try #require(chat["last_message"] as? [String: Any])
        #expect(last["id"] as? String == dropped)
        #expect(last["deleted"] as? Bool == true)

        _ = try await command(carol, #"{"type":"get_messages","chat_id":"\#(s.groupID)"}"#)
        let read = try await push(s.alice)
        #expect(read["type"] as? String == "message:read")
        #expect(
            (read["payload"] as? [String: Any])?["up_to_message_id"] as? String == kept,
            "reading marks up to the newest message that is not deleted")
        #expect(edited["changed"] as? Bool == true)
        try await s.gateway.stop()
    }

    func userID(of client: RawClient) async throws -> String {
        let chats = try await command(client, #"{"type":"get_user_chats"}"#)["chats"] as? [[String: Any]] ?? []
        let members = chats.first?["members"] as? [[String: Any]] ?? []
        return members.first { $0["role"] as? String == "admin" }?["id"] as? String ?? ""
    }
}
