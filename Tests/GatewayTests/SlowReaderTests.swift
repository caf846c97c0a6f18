import Foundation
import Testing

@testable import Gateway

/// A client that stops reading is closed once its unsent output passes the bound, and
/// loses nothing: it resumes from the last push it got.
@Suite(.timeLimit(.minutes(2))) struct SlowReaderTests {
    @Test func aReaderPastTheOutputBoundIsClosedAndResumesWithoutLoss() async throws {
        let gateway = try await GatewayHarness.start(
            configuration: GatewayConfiguration(
                port: 0, rateLimit: 100_000, rateBurst: 100_000, maxOutputBytes: 64 << 10))
        let alice = try await gateway.tcp()
        _ = try await command(alice, #"{"type":"register","username":"alice","password":"password-1"}"#)
        let bobID =
            try await command(alice, #"{"type":"register","username":"bob","password":"password-1"}"#).field(
                "user_id", as: String.self)
        _ = try await command(alice, #"{"type":"login","username":"alice","password":"password-1"}"#)
        let chatID = try await command(alice, #"{"type":"create_chat","user_id":"\#(bobID)"}"#).field(
            "chat_id", as: String.self)
        let bob = try await gateway.webSocket()
        let login = try await command(ws: bob, #"{"type":"login","username":"bob","password":"password-1"}"#)
        let token = try #require(login["token"] as? String)

        // Bob reads nothing while ~8 MB of pushes are due: more than the kernel's socket
        // buffers (4 MB here) plus the 64 KB bound. Eight senders, so that group commit
        // batches their messages. They call the service directly: on sockets of their own
        // they would get the same pushes, and a sender starved of CPU by the tests running
        // beside it would be closed as a slow reader too.
        let service = gateway.server.service
        let signedIn = await service.handle(
            Array(#"{"type":"login","username":"alice","password":"password-1"}"#.utf8),
            context: ConnectionContext(connectionID: "senders", framing: .tcp))
        guard case .authenticated(let aliceSession, _)? = signedIn.effect else {
            Issue.record("alice could not log in")
            return
        }
        let content = String(repeating: "x", count: 4_000)
        var positions = try await withThrowingTaskGroup(of: [Int].self) { group in
            for sender in 1...8 {
                group.addTask {
                    let context = ConnectionContext(
                        connectionID: "sender-\(sender)", framing: .tcp, session: aliceSession)
                    var acked = [Int]()
                    for _ in 1...250 {
                        let reply = await service.handle(
                            Array(#"{"type":"message","chat_id":"\#(chatID)","content":"\#(content)"}"#.utf8),
                            context: context)
                        let ack = try json(String(decoding: reply.response, as: UTF8.self))
                        acked.append(try #require(ack["position"] as? Int, "the ack: \(ack)"))
                    }
                    return acked
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        positions.sort()

        var received = [Int]()
        while let push = try await bob.json() {
            if let position = push["position"] as? Int { received.append(position) }
        }
        #expect(received.count < positions.count, "the connection was closed before everything was written")
        #expect(received == Array(positions.prefix(received.count)), "what arrived is in order, without gaps")

        // A client resumes from the last position it saw, as often as it is closed: a
        // resumed reader that is slow again (a loaded machine) is closed again.
        var rest = [Int]()
        for _ in 0..<20 where received.count + rest.count < positions.count {
            let resumed = try await gateway.webSocket()
            let since = try rest.last ?? received.last ?? (login.field("position", as: Int.self))
            #expect(
                try await command(ws: resumed, #"{"type":"auth","token":"\#(token)","since":\#(since)}"#)["status"]
                    as? String == "ok")
            while received.count + rest.count < positions.count, let push = try await resumed.json() {
                if let position = push["position"] as? Int { rest.append(position) }
            }
            await resumed.close()
        }
        #expect(received + rest == positions)
        await alice.close()
        try await gateway.stop()
    }
}
