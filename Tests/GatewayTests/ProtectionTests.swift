import ChatTestSupport
import Foundation
import NIOCore
import Testing

@testable import Gateway

/// The limits of protocol §7, each crossed.
@Suite(.timeLimit(.minutes(1)))
struct ProtectionTests {
    @Test func floodingIsRefusedInOrderThenDisconnected() async throws {
        let gateway = try await GatewayHarness.start(
            configuration: GatewayConfiguration(port: 0, rateLimit: 0.001, rateBurst: 3))
        let client = try await gateway.tcp()
        try await client.write((1...6).map { #"{"type":"ping","request_id":\#($0)}"# }.joined(separator: "\n") + "\n")
        var answers = [(Int, String)]()
        while answers.count < 6, let line = try await client.line() {
            let message = try json(line)
            answers.append((message["request_id"] as? Int ?? 0, message["code"] as? String ?? "ok"))
        }
        #expect(answers.map(\.0) == [1, 2, 3, 4, 5, 6], "refusals are answered in order")
        #expect(answers.map(\.1) == ["ok", "ok", "ok", "rate_limited", "rate_limited", "rate_limited"])
        try await client.write(#"{"type":"ping","request_id":7}"# + "\n")
        #expect(
            try json(try await client.line())["code"] as? String == "rate_limited", "the last command is answered too")
        #expect(try await client.line() == nil, "a client that keeps flooding is closed")

        let webSocket = try await gateway.webSocket()
        for _ in 1...8 { try await webSocket.sendText(#"{"type":"ping"}"#) }
        var closeCode: UInt16?
        while let frame = try await webSocket.frame() {
            if frame.opcode == 0x8 {
                closeCode = frame.closeCode
                break
            }
        }
        #expect(closeCode == 1008)
        try await gateway.stop()
    }

    @Test func anUnauthenticatedConnectionIsClosedAfterTheAuthTimeout() async throws {
        // Room for a register and a login on a machine loaded by the tests running beside (under
        // ThreadSanitizer, with child processes of other suites, 10 s was once not enough).
        let gateway = try await GatewayHarness.start(configuration: GatewayConfiguration(port: 0, authTimeout: 20))
        let authenticated = try await gateway.tcp()
        try await authenticated.write(
            #"{"type":"register","username":"alice","password":"password-1"}"# + "\n"
                + #"{"type":"login","username":"alice","password":"password-1"}"# + "\n")
        _ = try await authenticated.line()
        #expect(try json(try await authenticated.line())["token"] != nil)

        // Opened later, so once it is closed the first connection's deadline has passed too.
        let idle = try await gateway.tcp()
        try await idle.write(#"{"type":"ping","request_id":1}"# + "\n")
        #expect(try await idle.line() == #"{"status":"ok","request_id":1}"#)
        #expect(try await idle.line() == nil)
        try await authenticated.write(#"{"type":"ping","request_id":2}"# + "\n")
        #expect(try await authenticated.line() == #"{"status":"ok","request_id":2}"#)
        try await gateway.stop()
    }

    @Test func aConnectionThatSendsNothingCountsTowardTheMaximumAndIsClosedAfterTheAuthTimeout() async throws {
        // Long enough that the silent connection still holds its place when the second arrives
        // on a machine loaded by the tests running beside (at 1 s it had been closed: seen in CI).
        let gateway = try await GatewayHarness.start(
            configuration: GatewayConfiguration(port: 0, maxConnections: 1, authTimeout: 5))
        let silent = try await gateway.tcp()
        // Accepted and counted before the next one connects: children are set up on several
        // event loops, so two quick connections may be counted in either order.
        try await waitUntil { gateway.server.openSocketCount == 1 }
        let second = try await gateway.tcp()
        do {
            try await second.write(#"{"type":"ping","request_id":1}"# + "\n")
            #expect(try await second.line() == nil, "refused: the silent connection holds the only place")
        } catch let error as IOError where [ECONNRESET, EPIPE].contains(error.errnoCode) {
            // Closed at accept, before or during our write: the kernel answers with a reset.
        }
        #expect(try await silent.line() == nil, "closed without having sent a byte")
        try await gateway.stop()
    }

    @Test func anHTTPRequestThatNeverCompletesIsClosedAfterTheAuthTimeout() async throws {
        // Room for the keep-alive request to be read before its deadline on a machine loaded by
        // the tests beside, under ThreadSanitizer too (at 1 s it was once reset unread in CI).
        let gateway = try await GatewayHarness.start(configuration: GatewayConfiguration(port: 0, authTimeout: 3))
        let trickling = try await gateway.tcp()
        // A request line and a header, but never the blank line that ends the head.
        try await trickling.write("GET /health HTTP/1.1\r\nHost: x\r\n")
        #expect(try await trickling.line() == nil, "closed without an answer")

        let keepAlive = try await gateway.tcp()
        try await keepAlive.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        // One answer, then the close once the idle keep-alive outlasts the timeout.
        let answered = try await keepAlive.readToEnd()
        #expect(answered.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(answered.components(separatedBy: "HTTP/1.1").count == 2)
        try await gateway.stop()
    }

    @Test func connectionsOverTheMaximumAreRefused() async throws {
        let gateway = try await GatewayHarness.start(configuration: GatewayConfiguration(port: 0, maxConnections: 1))
        let first = try await gateway.tcp()
        try await first.write(#"{"type":"ping","request_id":1}"# + "\n")
        #expect(try await first.line() == #"{"status":"ok","request_id":1}"#)
        let second = try await gateway.tcp()
        try await second.write(#"{"type":"ping","request_id":2}"# + "\n")
        do {
            #expect(try await second.line() == nil)
        } catch let error as IOError where error.errnoCode == ECONNRESET {
            // Closed at accept, before our write arrived: the kernel answers with a reset.
        }
        try await first.write(#"{"type":"ping","request_id":3}"# + "\n")
        #expect(try await first.line() == #"{"status":"ok","request_id":3}"#)
        try await gateway.stop()
    }

    @Test func aSilentWebSocketIsPingedThenDropped() async throws {
        let gateway = try await GatewayHarness.start(configuration: GatewayConfiguration(port: 0, pingInterval: 0.1))
        let client = try await gateway.webSocket()
        let ping = try await client.frame()
        #expect(ping?.opcode == 0x9)
        var closeCode: UInt16?
        while let frame = try await client.frame() {
            if frame.opcode == 0x8 {
                closeCode = frame.closeCode
                break
            }
        }
        #expect(closeCode == 1001)
        try await gateway.stop()
    }
}
