import BackendTestSupport
import Foundation
import Gateway
import Testing

/// The gateway over real loopback sockets, as clients see it.
@Suite(.timeLimit(.minutes(2)))
struct GatewayEndToEndTests {
    @Test(arguments: TestBackend.allCases)
    func bothFramingsShareOneChatWithPushes(backend: TestBackend) async throws {
        let gateway = try await GatewayHarness.start(backend: backend)
        let alice = try await gateway.tcp()
        let bob = try await gateway.webSocket()
        #expect(try await command(alice, #"{"type":"register","username":"alice","password":"password-1"}"#).isOK)
        let bobID =
            try await command(ws: bob, #"{"type":"register","username":"bob","password":"password-1"}"#).field(
                "user_id", as: String.self)
        #expect(
            try await command(alice, #"{"type":"login","username":"alice","password":"password-1","request_id":1}"#)[
                "request_id"] as? Int == 1)
        #expect(
            try await command(ws: bob, #"{"type":"login","username":"bob","password":"password-1","request_id":"b"}"#)[
                "request_id"] as? String == "b")

        let chatID = try await command(alice, #"{"type":"create_chat","user_id":"\#(bobID)"}"#).field(
            "chat_id", as: String.self)
        let chatNew = try #require(try await bob.json())
        #expect(chatNew["type"] as? String == "chat:new")
        #expect((chatNew["payload"] as? [String: Any])?["name"] as? String == "alice")

        let sent = try await command(alice, #"{"type":"message","chat_id":"\#(chatID)","content":"hello over TCP"}"#)
        let push = try #require(try await bob.json())
        #expect(push["type"] as? String == "message:new")
        #expect(push["position"] as? Int == sent["position"] as? Int)
        #expect(push["status"] == nil)
        let payload = try #require(push["payload"] as? [String: Any])
        #expect(payload["content"] as? String == "hello over TCP")
        #expect(payload["sender_username"] as? String == "alice")
        #expect(payload["read_by"] as? [String] == [])

        #expect(
            try await command(ws: bob, #"{"type":"message","chat_id":"\#(chatID)","content":"hi from WebSocket"}"#).isOK
        )
        let back = try json(try await alice.line())
        #expect(back["type"] as? String == "message:new")
        #expect((back["payload"] as? [String: Any])?["content"] as? String == "hi from WebSocket")
        try await gateway.stop()
    }

    @Test(arguments: TestBackend.allCases)
    func theFirstByteDecidesEvenWhenItArrivesAlone(backend: TestBackend) async throws {
        let gateway = try await GatewayHarness.start(backend: backend)
        let http = try await gateway.tcp()
        try await http.write("G")
        try await http.write("ET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let health = try await http.readToEnd()
        #expect(health.hasPrefix("HTTP/1.1 200 OK"))
        #expect(health.contains(#""status":"ok""#))

        let ndjson = try await gateway.tcp()
        try await ndjson.write(" ")
        try await ndjson.write(#"{"type":"ping","request_id":5}"# + "\n")
        #expect(try await ndjson.line() == #"{"status":"ok","request_id":5}"#)

        let junk = try await gateway.tcp()
        try await junk.write([0x16, 0x03, 0x01])  // a TLS hello
        #expect(try json(try await junk.line())["code"] as? String == "bad_json")
        #expect(try await junk.line() == nil)
        try await gateway.stop()
    }

    @Test(arguments: TestBackend.allCases)
    func httpRoutesAnswerAndNeverDropSilently(backend: TestBackend) async throws {
        let gateway = try await GatewayHarness.start(backend: backend)
        func get(_ path: String, headers: String = "") async throws -> String {
            let client = try await gateway.tcp()
            try await client.write("GET \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\(headers)\r\n")
            return try await client.readToEnd()
        }
        #expect(try await get("/nowhere").hasPrefix("HTTP/1.1 404"))
        #expect(try await get("/ws").hasPrefix("HTTP/1.1 400"))
        let wrongVersion = try await get(
            "/ws",
            headers:
                "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n"
        )
        #expect(wrongVersion.hasPrefix("HTTP/1.1 426"))
        #expect(wrongVersion.contains("Sec-WebSocket-Version: 13"))
        try await gateway.stop()
    }

    @Test(arguments: TestBackend.allCases)
    func metricsCountCommandsConnectionsAndEvents(backend: TestBackend) async throws {
        let gateway = try await GatewayHarness.start(backend: backend)
        let client = try await gateway.tcp()
        _ = try await command(client, #"{"type":"ping"}"#)
        _ = try await command(client, #"{"type":"register","username":"alice","password":"password-1"}"#)
        _ = try await command(client, #"{"type":"get_user_chats"}"#)
        let scrape = try await gateway.tcp()
        try await scrape.write("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let text = try await scrape.readToEnd()
        #expect(text.hasPrefix("HTTP/1.1 200 OK"))
        for sample in [
            #"chat_commands_total{type="ping",result="ok"} 1"#,
            #"chat_commands_total{type="register",result="ok"} 1"#,
            #"chat_commands_total{type="get_user_chats",result="not_authenticated"} 1"#,
            #"chat_connections_open{framing="tcp"} 1"#,
            "chat_events_appended_total 1",
            "chat_command_duration_seconds_count{type=\"ping\"} 1",
        ] {
            #expect(text.contains(sample), "\(sample)")
        }
        try await gateway.stop()
    }

    @Test(arguments: TestBackend.allCases)
    func ndjsonLinesFollowTheContract(backend: TestBackend) async throws {
        let gateway = try await GatewayHarness.start(
            backend: backend, configuration: GatewayConfiguration(port: 0, maxMessageBytes: 256))
        let client = try await gateway.tcp()
        try await client.write(
            "\r\n\n" + #"{"type":"ping","request_id":1}"# + "\r\n" + "not json\n" + #"{"type":"get_user_chats"}"# + "\n"
        )
        #expect(try await client.line() == #"{"status":"ok","request_id":1}"#)
        #expect(try json(try await client.line())["code"] as? String == "bad_json")
        #expect(try json(try await client.line())["code"] as? String == "not_authenticated")
        try await client.write(String(repeating: "x", count: 300) + "\n")
        #expect(try json(try await client.line())["code"] as? String == "message_too_large")
        #expect(try await client.line() == nil)
        try await gateway.stop()
    }

    @Test(arguments: TestBackend.allCases)
    func pipelinedCommandsAreAnsweredInOrderEvenAfterTheClientStopsSending(backend: TestBackend) async throws {
        let gateway = try await GatewayHarness.start(backend: backend)
        let client = try await gateway.tcp()
        let lines = (1...20).map { #"{"type":"ping","request_id":\#($0)}"# }
        try await client.write(lines.joined(separator: "\n") + "\n")
        try await client.finishWriting()
        var ids = [Int]()
        while let line = try await client.line() { ids.append(try json(line)["request_id"] as? Int ?? -1) }
        #expect(ids == Array(1...20))
        try await gateway.stop()
    }

    @Test(arguments: TestBackend.allCases)
    func webSocketFramesFollowTheContract(backend: TestBackend) async throws {
        let gateway = try await GatewayHarness.start(
            backend: backend, configuration: GatewayConfiguration(port: 0, maxMessageBytes: 1024))

        let fragmented = try await gateway.webSocket()
        try await fragmented.write(RawClient.frame(opcode: 0x1, payload: Array(#"{"type":"pi"#.utf8), fin: false))
        try await fragmented.write(RawClient.frame(opcode: 0x9, payload: Array("hb".utf8)))
        try await fragmented.write(RawClient.frame(opcode: 0x0, payload: Array(#"ng","request_id":9}"#.utf8)))
        let pong = try await fragmented.frame()
        #expect(pong == RawClient.Frame(opcode: 0xA, payload: Array("hb".utf8)))
        let reply = try await fragmented.frame()
        #expect(reply?.text == #"{"status":"ok","request_id":9}"#, "\(String(describing: reply))")
        try await fragmented.write(RawClient.frame(opcode: 0x8, payload: [0x03, 0xE8]))
        #expect(try await fragmented.frame()?.closeCode == 1000)

        let cases: [(String, [UInt8], UInt16)] = [
            ("binary", RawClient.frame(opcode: 0x2, payload: [1, 2, 3]), 1003),
            ("invalid UTF-8", RawClient.frame(opcode: 0x1, payload: [0x7B, 0xFF, 0x7D]), 1007),
            ("unmasked", RawClient.frame(opcode: 0x1, payload: Array("{}".utf8), masked: false), 1002),
            ("reserved bit", RawClient.frame(opcode: 0x1, payload: Array("{}".utf8), rsv1: true), 1002),
            ("too large", RawClient.frame(opcode: 0x1, payload: Array(repeating: 0x20, count: 2000)), 1009),
        ]
        for (name, bytes, code) in cases {
            let client = try await gateway.webSocket()
            try await client.write(bytes)
            var closeCode: UInt16?
            while let frame = try await client.frame() {
                if frame.opcode == 0x8 {
                    closeCode = frame.closeCode
                    break
                }
            }
            #expect(closeCode == code, "\(name)")
        }

        let notAnObject = try await gateway.webSocket()
        try await notAnObject.sendText("[]")
        #expect(try await notAnObject.json()?["code"] as? String == "bad_json")
        try await gateway.stop()
    }

    @Test(arguments: TestBackend.allCases)
    func logoutEndsTheOtherSessionsOfThatTokenOnly(backend: TestBackend) async throws {
        let gateway = try await GatewayHarness.start(backend: backend)
        let first = try await gateway.webSocket()
        #expect(try await command(ws: first, #"{"type":"register","username":"alice","password":"password-1"}"#).isOK)
        let token =
            try await command(ws: first, #"{"type":"login","username":"alice","password":"password-1"}"#).field(
                "token", as: String.self)
        let sameToken = try await gateway.webSocket()
        #expect(try await command(ws: sameToken, #"{"type":"auth","token":"\#(token)"}"#).isOK)
        let otherToken = try await gateway.tcp()
        #expect(try await command(otherToken, #"{"type":"login","username":"alice","password":"password-1"}"#).isOK)

        #expect(try await command(ws: first, #"{"type":"logout"}"#).isOK)
        let ended = try #require(try await sameToken.json())
        #expect(ended["type"] as? String == "session:ended")
        #expect(try await sameToken.frame()?.closeCode == 1000)
        #expect(try await command(otherToken, #"{"type":"get_user_chats"}"#).isOK)
        #expect(try await command(ws: first, #"{"type":"get_user_chats"}"#)["code"] as? String == "not_authenticated")
        try await gateway.stop()
    }

    @Test(arguments: TestBackend.allCases)
    func anAddedMemberGetsBothMemberAddedAndChatNew(backend: TestBackend) async throws {
        let gateway = try await GatewayHarness.start(backend: backend)
        let alice = try await gateway.tcp()
        let carol = try await gateway.tcp()
        _ = try await command(alice, #"{"type":"register","username":"alice","password":"password-1"}"#)
        let carolID =
            try await command(carol, #"{"type":"register","username":"carol","password":"password-1"}"#).field(
                "user_id", as: String.self)
        _ = try await command(alice, #"{"type":"login","username":"alice","password":"password-1"}"#)
        _ = try await command(carol, #"{"type":"login","username":"carol","password":"password-1"}"#)
        let groupID =
            try await command(alice, #"{"type":"create_group","group_name":"g","member_ids":[]}"#).field(
                "group_id", as: String.self)
        #expect(
            try await command(alice, #"{"type":"add_group_member","group_id":"\#(groupID)","user_id":"\#(carolID)"}"#)[
                "added"] as? Bool == true)
        let first = try json(try await carol.line())
        let second = try json(try await carol.line())
        #expect([first["type"] as? String, second["type"] as? String] == ["member:added", "chat:new"])
        #expect(first["position"] as? Int == second["position"] as? Int)
        #expect((second["payload"] as? [String: Any])?["name"] as? String == "g")
        try await gateway.stop()
    }

    @Test(arguments: TestBackend.allCases)
    func everyPushReachesTheRightSessions(backend: TestBackend) async throws {
        let gateway = try await GatewayHarness.start(backend: backend)
        let alice = try await gateway.tcp()
        let bob = try await gateway.tcp()
        let bobsPhone = try await gateway.webSocket()
        _ = try await command(alice, #"{"type":"register","username":"alice","password":"password-1"}"#)
        let bobID =
            try await command(bob, #"{"type":"register","username":"bob","password":"password-1"}"#).field(
                "user_id", as: String.self)
        let aliceID =
            try await command(alice, #"{"type":"login","username":"alice","password":"password-1"}"#).field(
                "user_id", as: String.self)
        _ = try await command(bob, #"{"type":"login","username":"bob","password":"password-1"}"#)
        _ = try await command(ws: bobsPhone, #"{"type":"login","username":"bob","password":"password-1"}"#)

        let groupID =
            try await command(alice, #"{"type":"create_group","group_name":"g","member_ids":["\#(bobID)"]}"#).field(
                "group_id", as: String.self)
        for device in [try await push(bob), try #require(try await bobsPhone.json())] {
            #expect(device["type"] as? String == "chat:new")
        }
        let sent = try await command(alice, #"{"type":"message","chat_id":"\#(groupID)","content":"hi"}"#)
        #expect(try await push(bob)["type"] as? String == "message:new")
        #expect(try await bobsPhone.json()?["type"] as? String == "message:new")

        var bobsPushes = try await commandKeepingPushes(
            bob,
            #"{"type":"mark_read","chat_id":"\#(groupID)","message_id":"\#(sent.field("message_id", as: String.self))"}"#
        ).1
        let read = try await push(alice)
        #expect(read["type"] as? String == "message:read")
        #expect((read["payload"] as? [String: Any])?["reader_id"] as? String == bobID)
        #expect(try await bobsPhone.json()?["type"] as? String == "message:read", "every session of every member")

        _ = try await command(ws: bobsPhone, #"{"type":"typing","chat_id":"\#(groupID)"}"#)
        let typing = try await push(alice)
        #expect(typing["type"] as? String == "typing")
        #expect(typing["position"] == nil)

        let (_, alicesPushes) = try await commandKeepingPushes(
            alice, #"{"type":"remove_group_member","group_id":"\#(groupID)","user_id":"\#(bobID)"}"#)
        // Alice's copy may arrive before or after her response.
        let alicesCopy = alicesPushes.isEmpty ? try await push(alice) : alicesPushes[0]
        #expect(alicesCopy["type"] as? String == "member:removed")

        // Bob is out: the next message reaches nobody but Alice's other sessions (none here).
        _ = try await command(alice, #"{"type":"message","chat_id":"\#(groupID)","content":"after"}"#)
        _ = try await command(alice, #"{"type":"add_group_member","group_id":"\#(groupID)","user_id":"\#(bobID)"}"#)
        while bobsPushes.last?["type"] as? String != "chat:new" { bobsPushes.append(try await push(bob)) }
        #expect(
            bobsPushes.map { $0["type"] as? String } == ["message:read", "member:removed", "member:added", "chat:new"],
            "his own receipt, his removal, then no message:new for a message sent while he was out")
        #expect((bobsPushes[1]["payload"] as? [String: Any])?["by"] as? String == aliceID)
        try await gateway.stop()
    }

    @Test(arguments: TestBackend.allCases)
    func clientsThatVanishMidFrameOrMidLineHurtNoOne(backend: TestBackend) async throws {
        let gateway = try await GatewayHarness.start(backend: backend)
        let halfFrame = try await gateway.webSocket()
        try await halfFrame.write(
            Array(RawClient.frame(opcode: 0x1, payload: Array(#"{"type":"ping"}"#.utf8)).prefix(5)))
        await halfFrame.close()
        let halfLine = try await gateway.tcp()
        try await halfLine.write(#"{"type":"pi"#)
        await halfLine.close()
        let halfRequest = try await gateway.tcp()
        try await halfRequest.write("GET /ws HTTP/1.1\r\nUpgrade: webs")
        await halfRequest.close()

        let healthy = try await gateway.webSocket()
        #expect(try await command(ws: healthy, #"{"type":"ping","request_id":1}"#)["request_id"] as? Int == 1)
        try await gateway.stop()
    }

    @Test(arguments: TestBackend.allCases)
    func gracefulShutdownClosesWebSocketsWithGoingAway(backend: TestBackend) async throws {
        let gateway = try await GatewayHarness.start(backend: backend)
        let client = try await gateway.webSocket()
        #expect(try await command(ws: client, #"{"type":"ping"}"#).isOK)
        try await gateway.stop()
        var closeCode: UInt16?
        while let frame = try await client.frame() {
            if frame.opcode == 0x8 {
                closeCode = frame.closeCode
                break
            }
        }
        #expect(closeCode == 1001)
    }
}
