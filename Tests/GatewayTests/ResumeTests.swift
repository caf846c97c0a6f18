import BackendTestSupport
import Foundation
import Gateway
import Testing

/// `auth` with `since`: every missed push in log order, then live, no gap, no duplicate.
@Suite(.timeLimit(.minutes(2)))
struct ResumeTests {
    struct Setup {
        var gateway: GatewayHarness
        var alice: RawClient
        var bobToken: String
        var bobID: String
        var chatID: String
        var position: Int
    }

    /// Alice and Bob in a direct chat; Bob logged in and gone.
    func setup(backend: TestBackend, window: Int = 65_536) async throws -> Setup {
        let gateway = try await GatewayHarness.start(
            backend: backend, configuration: GatewayConfiguration(port: 0, resumeWindowPushes: window))
        let alice = try await gateway.tcp()
        _ = try await command(alice, #"{"type":"register","username":"alice","password":"password-1"}"#)
        let bobID =
            try await command(alice, #"{"type":"register","username":"bob","password":"password-1"}"#).field(
                "user_id", as: String.self)
        _ = try await command(alice, #"{"type":"login","username":"alice","password":"password-1"}"#)
        let chatID = try await command(alice, #"{"type":"create_chat","user_id":"\#(bobID)"}"#).field(
            "chat_id", as: String.self)
        let bob = try await gateway.tcp()
        let login = try await command(bob, #"{"type":"login","username":"bob","password":"password-1"}"#)
        await bob.close()
        return try Setup(
            gateway: gateway, alice: alice, bobToken: login.field("token", as: String.self), bobID: bobID,
            chatID: chatID,
            position: login.field("position", as: Int.self))
    }

    /// Pushes on `client` until one with `position` arrives.
    func pushes(_ client: RawClient, until position: Int) async throws -> [[String: Any]] {
        var seen = [[String: Any]]()
        while let line = try await client.line() {
            let message = try json(line)
            guard message["status"] == nil else { continue }
            seen.append(message)
            if message["position"] as? Int == position { break }
        }
        return seen
    }

    @Test(arguments: TestBackend.allCases, [65_536, 2])
    func aResumingSessionGetsWhatItMissedThenLiveWithoutDuplicates(backend: TestBackend, window: Int) async throws {
        let s = try await setup(backend: backend, window: window)
        var sent = [Int]()
        for index in 1...5 {
            sent.append(
                try await command(
                    s.alice, #"{"type":"message","chat_id":"\#(s.chatID)","content":"missed \#(index)"}"#
                ).field("position", as: Int.self))
        }
        let bob = try await s.gateway.webSocket()
        try await bob.sendText(#"{"type":"auth","token":"\#(s.bobToken)","since":\#(s.position),"request_id":"r"}"#)
        let first = try #require(try await bob.json())
        #expect(first["status"] as? String == "ok", "the response comes before the replay")
        var replayed = [[String: Any]]()
        while replayed.count < 5, let push = try await bob.json() { replayed.append(push) }
        #expect(replayed.map { $0["position"] as? Int } == sent)
        #expect(
            replayed.map { ($0["payload"] as? [String: Any])?["content"] as? String } == (1...5).map { "missed \($0)" })

        let live =
            try await command(s.alice, #"{"type":"message","chat_id":"\#(s.chatID)","content":"live"}"#).field(
                "position", as: Int.self)
        let next = try #require(try await bob.json())
        #expect(next["position"] as? Int == live)
        #expect(next["type"] as? String == "message:new")
        try await s.gateway.stop()
    }

    @Test(arguments: TestBackend.allCases)
    func resumeRacingWithNewMessagesHasNoGapAndNoDuplicate(backend: TestBackend) async throws {
        let s = try await setup(backend: backend)
        let total = 60
        // Alice pipelines every send at once, so commits keep landing during Bob's catch-up.
        let sending = Task {
            try await s.alice.write(
                (1...total).map { #"{"type":"message","chat_id":"\#(s.chatID)","content":"n\#($0)"}"# }.joined(
                    separator: "\n") + "\n")
            var positions = [Int]()
            while positions.count < total, let line = try await s.alice.line() {
                if let position = try json(line)["position"] as? Int, try json(line)["status"] != nil {
                    positions.append(position)
                }
            }
            return positions
        }
        let bob = try await s.gateway.tcp()
        try await bob.write(#"{"type":"auth","token":"\#(s.bobToken)","since":\#(s.position)}"# + "\n")
        let acked = try await sending.value
        let received = try await pushes(bob, until: acked.max()!).compactMap { $0["position"] as? Int }
        #expect(received == acked.sorted(), "every message exactly once, in log order")
        try await s.gateway.stop()
    }

    @Test(arguments: TestBackend.allCases)
    func ownMessagesReachTheUsersOtherDevicesOnResume(backend: TestBackend) async throws {
        let s = try await setup(backend: backend)
        let phone = try await s.gateway.tcp()
        _ = try await command(phone, #"{"type":"auth","token":"\#(s.bobToken)"}"#)
        let mine =
            try await command(phone, #"{"type":"message","chat_id":"\#(s.chatID)","content":"from my phone"}"#).field(
                "position", as: Int.self)
        let laptop = try await s.gateway.tcp()
        try await laptop.write(#"{"type":"auth","token":"\#(s.bobToken)","since":\#(s.position)}"# + "\n")
        let seen = try await pushes(laptop, until: mine)
        #expect(seen.last?["type"] as? String == "message:new")
        #expect((seen.last?["payload"] as? [String: Any])?["content"] as? String == "from my phone")
        try await s.gateway.stop()
    }

    @Test(arguments: TestBackend.allCases)
    func sinceBeyondTheHeadReplaysNothingAndContinuesLive(backend: TestBackend) async throws {
        let s = try await setup(backend: backend)
        let bob = try await s.gateway.tcp()
        #expect(
            try await command(bob, #"{"type":"auth","token":"\#(s.bobToken)","since":1000000}"#)["status"] as? String
                == "ok")
        let live =
            try await command(s.alice, #"{"type":"message","chat_id":"\#(s.chatID)","content":"hello"}"#).field(
                "position", as: Int.self)
        let next = try json(try await bob.line())
        #expect(next["type"] as? String == "message:new")
        #expect(next["position"] as? Int == live)
        try await s.gateway.stop()
    }
}
