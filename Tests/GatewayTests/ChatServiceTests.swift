import ChatDomain
import Foundation
import Gateway
import Testing

@Suite struct ChatServiceTests {
    @Test func registerLoginAndAuthFollowTheContract() async throws {
        let h = try await ChatServiceHarness.make()
        let c = h.connection()
        let registered = try await h.send(
            #"{"type":"register","username":"Alice","password":"password-1","request_id":1}"#, on: c)
        #expect(registered.isOK)
        #expect(registered["username"] as? String == "Alice")
        #expect(
            try await h.send(#"{"type":"register","username":"aLiCe","password":"password-1"}"#, on: c).code
                == "username_taken")
        #expect(
            try await h.send(#"{"type":"register","username":"a b","password":"password-1"}"#, on: c).code
                == "invalid_request")
        #expect(try await h.send(#"{"type":"get_user_chats"}"#, on: c).code == "not_authenticated")

        let wrong = try await h.send(#"{"type":"login","username":"alice","password":"password-2"}"#, on: c)
        let unknown = try await h.send(#"{"type":"login","username":"nobody","password":"password-1"}"#, on: c)
        #expect(wrong.code == "invalid_credentials")
        #expect(unknown.code == "invalid_credentials")
        #expect(wrong["message"] as? String == unknown["message"] as? String)

        let login = try await h.send(#"{"type":"login","username":"alice","password":"password-1"}"#, on: c)
        #expect(login.isOK)
        #expect(login["user_id"] as? String == registered["user_id"] as? String)
        #expect((login["token"] as? String)?.count == 64)
        #expect(Timestamp(iso8601: login["expires_at"] as? String ?? "") != nil)
        #expect((login["position"] as? Int ?? 0) > 0)
        #expect(
            try await h.send(#"{"type":"login","username":"alice","password":"password-1"}"#, on: c).code
                == "already_authenticated")
        #expect(try await h.send(#"{"type":"get_user_chats"}"#, on: c).isOK)

        let other = h.connection()
        #expect(try await h.send(#"{"type":"auth","token":"nope"}"#, on: other).code == "invalid_token")
        let auth = try await h.send(
            #"{"type":"auth","token":"\#(login.field("token", as: String.self))","since":0}"#, on: other)
        #expect(auth.isOK)
        #expect(auth["username"] as? String == "Alice")
        guard case .authenticated(_, let since)? = other.effects.last else {
            Issue.record("not authenticated")
            return
        }
        #expect(since == 0)
    }

    @Test func logoutRevokesTheTokenOnly() async throws {
        let h = try await ChatServiceHarness.make()
        let alice = try await h.user("alice")
        let second = h.connection()
        let secondLogin = try await h.send(#"{"type":"login","username":"alice","password":"password-1"}"#, on: second)
        #expect(try await h.send(#"{"type":"logout"}"#, on: alice.connection).isOK)
        guard case .loggedOut? = alice.connection.effects.last else {
            Issue.record("no logout effect")
            return
        }
        #expect(
            try await h.send(#"{"type":"auth","token":"\#(alice.token)"}"#, on: h.connection()).code == "invalid_token")
        #expect(
            try await h.send(
                #"{"type":"auth","token":"\#(secondLogin.field("token", as: String.self))"}"#, on: h.connection()
            ).isOK
        )
    }

    @Test func requestIDsAreEchoedVerbatimAndOmittedWhenAbsent() async throws {
        let h = try await ChatServiceHarness.make()
        let c = h.connection()
        #expect(await h.raw(#"{"type":"ping","request_id":1.50}"#, on: c) == #"{"status":"ok","request_id":1.50}"#)
        #expect(await h.raw(#"{"type":"ping","request_id":-3}"#, on: c) == #"{"status":"ok","request_id":-3}"#)
        // Valid JSON, though no Double holds it.
        #expect(await h.raw(#"{"type":"ping","request_id":1e400}"#, on: c) == #"{"status":"ok","request_id":1e400}"#)
        #expect(await h.raw(#"{"type":"ping","request_id":""}"#, on: c) == #"{"status":"ok","request_id":""}"#)
        #expect(await h.raw(#"{"type":"ping","request_id":"a\"b"}"#, on: c) == #"{"status":"ok","request_id":"a\"b"}"#)
        #expect(await h.raw(#"{"type":"ping"}"#, on: c) == #"{"status":"ok"}"#)
        #expect(
            await h.raw(#"{"type":"nope","request_id":7}"#, on: c)
                == #"{"status":"error","request_id":7,"code":"unknown_type","message":"Unknown message type"}"#)
    }

    @Test(arguments: [
        ("not json", "bad_json"), ("[1,2]", "bad_json"), (#""text""#, "bad_json"), ("{\"type\":", "bad_json"),
        (#"{"type":7}"#, "invalid_request"), (#"{"request_id":true,"type":"ping"}"#, "invalid_request"),
    ])
    func malformedInputGetsTheContractsCode(_ line: String, _ code: String) async throws {
        let h = try await ChatServiceHarness.make()
        let response = try await h.send(line, on: h.connection())
        #expect(response.code == code)
        #expect(response["request_id"] == nil)
    }

    @Test func invalidFieldsAreNamed() async throws {
        let h = try await ChatServiceHarness.make()
        let alice = try await h.user("alice")
        let c = alice.connection
        #expect(
            try await h.send(#"{"type":"list_users","limit":0}"#, on: c)["message"] as? String
                == "limit must be an integer from 1 to 200")
        #expect(try await h.send(#"{"type":"list_users","limit":2.5}"#, on: c).code == "invalid_request")
        #expect(
            try await h.send(#"{"type":"message","chat_id":"x"}"#, on: c)["message"] as? String
                == "chat_id and content required")
        #expect(
            try await h.send(#"{"type":"message","chat_id":"x","content":""}"#, on: c)["message"] as? String
                == "content must not be empty")
        #expect(
            try await h.send(#"{"type":"create_group","group_name":"g","member_ids":"u1"}"#, on: c)["message"]
                as? String == "member_ids must be an array of strings")
        #expect(
            try await h.send(#"{"type":"create_chat","user_id":12}"#, on: c)["message"] as? String
                == "user_id must be a string")
    }

    @Test func directChatsMessagesAndIdempotentSends() async throws {
        let h = try await ChatServiceHarness.make()
        let alice = try await h.user("alice")
        let bob = try await h.user("bob")
        let carol = try await h.user("carol")
        let created = try await h.send(#"{"type":"create_chat","user_id":"\#(bob.id)"}"#, on: alice.connection)
        #expect(created["created"] as? Bool == true)
        let chatID = try created.field("chat_id", as: String.self)
        let again = try await h.send(#"{"type":"create_chat","user_id":"\#(alice.id)"}"#, on: bob.connection)
        #expect(again["created"] as? Bool == false)
        #expect(again["chat_id"] as? String == chatID)
        #expect(
            try await h.send(#"{"type":"create_chat","user_id":"\#(alice.id)"}"#, on: alice.connection).code
                == "invalid_request")
        #expect(
            try await h.send(#"{"type":"create_chat","user_id":"u-missing"}"#, on: alice.connection).code
                == "user_not_found")

        let sent = try await h.send(
            #"{"type":"message","chat_id":"\#(chatID)","content":"hi","client_message_id":"k1"}"#, on: alice.connection)
        #expect(sent["duplicate"] as? Bool == false)
        let retry = try await h.send(
            #"{"type":"message","chat_id":"\#(chatID)","content":"hi","client_message_id":"k1"}"#, on: alice.connection)
        #expect(retry["duplicate"] as? Bool == true)
        #expect(retry["message_id"] as? String == sent["message_id"] as? String)
        #expect(retry["timestamp"] as? String == sent["timestamp"] as? String)
        #expect(retry["position"] as? Int == sent["position"] as? Int)

        #expect(
            try await h.send(#"{"type":"message","chat_id":"\#(chatID)","content":"hi"}"#, on: carol.connection).code
                == "forbidden")
        #expect(
            try await h.send(#"{"type":"message","chat_id":"nope","content":"hi"}"#, on: alice.connection).code
                == "chat_not_found")
        let long = String(repeating: "x", count: 4001)
        #expect(
            try await h.send(#"{"type":"message","chat_id":"\#(chatID)","content":"\#(long)"}"#, on: alice.connection)
                .code == "content_too_long")

        let page = try await h.send(#"{"type":"get_messages","chat_id":"\#(chatID)"}"#, on: bob.connection)
        let messages = try #require(page["messages"] as? [[String: Any]])
        #expect(messages.map { $0["content"] as? String } == ["hi"])
        #expect(messages[0]["read_by"] as? [String] == [bob.id])
        #expect(messages[0]["read_at"] is String)
        #expect(page["has_more"] as? Bool == false)
        #expect(
            try await h.send(#"{"type":"get_messages","chat_id":"\#(chatID)"}"#, on: carol.connection).code
                == "forbidden")

        let chats = try await h.send(#"{"type":"get_user_chats"}"#, on: alice.connection)
        let chat = try #require((chats["chats"] as? [[String: Any]])?.first)
        #expect(chat["name"] as? String == "bob")
        #expect(chat["type"] as? String == "direct")
        #expect(chat["unread_count"] as? Int == 0)
        #expect((chat["last_message"] as? [String: Any])?["content"] as? String == "hi")
    }

    @Test func markReadAdvancesOnce() async throws {
        let h = try await ChatServiceHarness.make()
        let alice = try await h.user("alice")
        let bob = try await h.user("bob")
        let chatID =
            try await h.send(#"{"type":"create_chat","user_id":"\#(bob.id)"}"#, on: alice.connection).field(
                "chat_id", as: String.self)
        let message =
            try await h.send(#"{"type":"message","chat_id":"\#(chatID)","content":"one"}"#, on: alice.connection).field(
                "message_id", as: String.self)
        let line = #"{"type":"mark_read","chat_id":"\#(chatID)","message_id":"\#(message)"}"#
        #expect(try await h.send(line, on: bob.connection)["advanced"] as? Bool == true)
        #expect(try await h.send(line, on: bob.connection)["advanced"] as? Bool == false)
        #expect(
            try await h.send(#"{"type":"mark_read","chat_id":"\#(chatID)","message_id":"m-none"}"#, on: bob.connection)
                .code == "invalid_request")
    }

    @Test func groupMembershipRules() async throws {
        let h = try await ChatServiceHarness.make()
        let alice = try await h.user("alice")
        let bob = try await h.user("bob")
        let carol = try await h.user("carol")
        #expect(
            try await h.send(#"{"type":"create_group","group_name":"g","member_ids":["u-x"]}"#, on: alice.connection)
                .code == "user_not_found")
        let group = try await h.send(
            #"{"type":"create_group","group_name":"Trip","member_ids":["\#(bob.id)"]}"#, on: alice.connection)
        let groupID = try group.field("group_id", as: String.self)
        #expect(group["chat_id"] as? String == groupID)

        let addCarol = #"{"type":"add_group_member","group_id":"\#(groupID)","user_id":"\#(carol.id)"}"#
        #expect(try await h.send(addCarol, on: bob.connection).code == "forbidden")
        #expect(try await h.send(addCarol, on: alice.connection)["added"] as? Bool == true)
        #expect(try await h.send(addCarol, on: alice.connection)["added"] as? Bool == false)

        let removeBob = #"{"type":"remove_group_member","group_id":"\#(groupID)","user_id":"\#(bob.id)"}"#
        #expect(try await h.send(removeBob, on: carol.connection).code == "forbidden")
        #expect(try await h.send(removeBob, on: bob.connection)["removed"] as? Bool == true)
        #expect(try await h.send(removeBob, on: alice.connection)["removed"] as? Bool == false)
        #expect(
            try await h.send(#"{"type":"get_messages","chat_id":"\#(groupID)"}"#, on: bob.connection).code
                == "forbidden")
        #expect(
            try await h.send(#"{"type":"message","chat_id":"\#(groupID)","content":"back?"}"#, on: bob.connection).code
                == "forbidden")
        let bobsChats = try await h.send(#"{"type":"get_user_chats"}"#, on: bob.connection)
        #expect((bobsChats["chats"] as? [Any])?.isEmpty == true)
    }

    @Test func typingGoesToTheOtherParticipants() async throws {
        let h = try await ChatServiceHarness.make()
        let alice = try await h.user("alice")
        let bob = try await h.user("bob")
        let carol = try await h.user("carol")
        let groupID =
            try await h.send(
                #"{"type":"create_group","group_name":"g","member_ids":["\#(bob.id)","\#(carol.id)"]}"#,
                on: alice.connection
            ).field("chat_id", as: String.self)
        #expect(try await h.send(#"{"type":"typing","chat_id":"\#(groupID)"}"#, on: bob.connection).isOK)
        guard case .typing(_, let from, let to)? = bob.connection.effects.last else {
            Issue.record("no typing effect")
            return
        }
        #expect(from.rawValue == bob.id)
        #expect(Set(to.map(\.rawValue)) == [alice.id, carol.id])
    }

    @Test func aStorageFailureIsUnavailableAndLeaksNothing() async throws {
        let h = try await ChatServiceHarness.make()
        let alice = try await h.user("alice")
        let bob = try await h.user("bob")
        let chatID =
            try await h.send(#"{"type":"create_chat","user_id":"\#(bob.id)"}"#, on: alice.connection).field(
                "chat_id", as: String.self)
        await h.log.close()
        let response = try await h.send(
            #"{"type":"message","chat_id":"\#(chatID)","content":"lost?","request_id":"r"}"#, on: alice.connection)
        #expect(response.code == "unavailable")
        #expect(response["request_id"] as? String == "r")
    }
}
