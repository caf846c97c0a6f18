import Foundation
import Gateway
import Testing

/// A client that pipelines a burst past the rate limit (protocol §7) learns the fate of every command
/// it sent before the close: each admitted one is executed and answered, each refused one
/// answered `rate_limited`, in order, and only then is the connection closed.
@Suite(.timeLimit(.minutes(1)))
struct FloodTests {
    static let burst = 300
    /// The default burst, with a refill too slow to matter: on a loaded machine the server may
    /// read a burst over several tens of milliseconds, and the default 50/s would refill a
    /// token now and then, so the client would never count as flooding.
    static let configuration = GatewayConfiguration(port: 0, rateLimit: 0.001, rateBurst: 100)

    /// The framings, each sending a whole burst at once and reading until the close.
    enum Framing: CaseIterable {
        case tcp
        case webSocket
    }

    @Test(arguments: Framing.allCases)
    func aBurstOfPingsIsAnsweredInOrderUpToTheClose(_ framing: Framing) async throws {
        let gateway = try await GatewayHarness.start(configuration: Self.configuration)
        let client = try await connect(framing, to: gateway)
        try await sendBurst((1...Self.burst).map { #"{"type":"ping","request_id":\#($0)}"# }, over: client, framing)
        let (answers, closeCode) = try await readUntilClosed(client, framing)

        #expect(
            answers.map { $0["request_id"] as? Int } == Array(stride(from: 1, through: answers.count, by: 1)),
            "one answer per command, in order")
        #expect(answers.count < Self.burst, "the flood was cut short")
        #expect(answers.contains { $0.isOK })
        #expect(answers.contains { $0["code"] as? String == "rate_limited" })
        #expect(answers.allSatisfy { $0.isOK || $0["code"] as? String == "rate_limited" })
        if framing == .webSocket { #expect(closeCode == 1008) }

        let other = try await gateway.tcp()
        #expect(try await command(other, #"{"type":"ping","request_id":"after"}"#)["request_id"] as? String == "after")
        try await gateway.stop()
    }

    @Test(arguments: Framing.allCases)
    func everyMessageAppendedDuringABurstIsAcknowledgedBeforeTheClose(_ framing: Framing) async throws {
        let gateway = try await GatewayHarness.start(configuration: Self.configuration)
        let setup = try await gateway.tcp()
        _ = try await command(setup, #"{"type":"register","username":"alice","password":"password-1"}"#)
        let bobID =
            try await command(setup, #"{"type":"register","username":"bob","password":"password-1"}"#).field(
                "user_id", as: String.self)
        _ = try await command(setup, #"{"type":"login","username":"alice","password":"password-1"}"#)
        let chatID = try await command(setup, #"{"type":"create_chat","user_id":"\#(bobID)"}"#).field(
            "chat_id", as: String.self)

        let client = try await connect(framing, to: gateway)
        let login = #"{"type":"login","username":"alice","password":"password-1","request_id":0}"#
        // 300 KB: more than the server takes in one read, so input is still arriving at the close.
        let padding = String(repeating: "x", count: 1_000)
        let messages = (1...Self.burst).map {
            #"{"type":"message","chat_id":"\#(chatID)","content":"burst \#($0) \#(padding)","client_message_id":"c\#($0)","request_id":\#($0)}"#
        }
        try await sendBurst([login] + messages, over: client, framing)
        let (answers, closeCode) = try await readUntilClosed(client, framing)

        #expect(answers.first?["token"] != nil, "the login was answered first")
        let messageAnswers = answers.dropFirst()
        #expect(
            messageAnswers.map { $0["request_id"] as? Int }
                == Array(stride(from: 1, through: messageAnswers.count, by: 1)))
        #expect(messageAnswers.contains { $0.isOK })
        #expect(messageAnswers.contains { $0["code"] as? String == "rate_limited" })
        if framing == .webSocket { #expect(closeCode == 1008) }

        let acknowledged = Set(messageAnswers.filter(\.isOK).compactMap { $0["message_id"] as? String })
        let stored = try await gateway.log.read(after: 0, limit: 10_000).filter { $0.type == "message_sent" }
        let storedIDs = try stored.map { event in
            try #require(try JSONSerialization.jsonObject(with: Data(event.data)) as? [String: Any]).field(
                "message_id", as: String.self)
        }
        #expect(!storedIDs.isEmpty)
        #expect(
            Set(storedIDs) == acknowledged, "every message in the log was acknowledged to its sender, and only those")
        try await gateway.stop()
    }

    private func connect(_ framing: Framing, to gateway: GatewayHarness) async throws -> RawClient {
        switch framing {
        case .tcp: try await gateway.tcp()
        case .webSocket: try await gateway.webSocket()
        }
    }

    /// All the commands in one write: one buffer of lines, or of text frames back to back.
    private func sendBurst(_ commands: [String], over client: RawClient, _ framing: Framing) async throws {
        switch framing {
        case .tcp: try await client.write(commands.joined(separator: "\n") + "\n")
        case .webSocket:
            try await client.write(commands.flatMap { RawClient.frame(opcode: 0x1, payload: Array($0.utf8)) })
        }
    }

    /// Every response until the server closes, and the WebSocket close code.
    private func readUntilClosed(_ client: RawClient, _ framing: Framing) async throws -> ([[String: Any]], UInt16?) {
        var answers = [[String: Any]]()
        switch framing {
        case .tcp:
            while let line = try await client.line() {
                let message = try json(line)
                if message["status"] != nil { answers.append(message) }
            }
            return (answers, nil)
        case .webSocket:
            while let frame = try await client.frame() {
                if frame.opcode == 0x8 { return (answers, frame.closeCode) }
                guard frame.opcode == 0x1 else { continue }
                let message = try #require(
                    try JSONSerialization.jsonObject(with: Data(frame.payload)) as? [String: Any])
                if message["status"] != nil { answers.append(message) }
            }
            return (answers, nil)
        }
    }
}
