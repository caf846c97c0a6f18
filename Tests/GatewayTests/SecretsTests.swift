import Foundation
import Testing

/// Passwords and tokens never reach the logs or the database in the clear.
@Suite(.timeLimit(.minutes(1))) struct SecretsTests {
    @Test func noPasswordOrTokenAppearsInTheLogsOrTheDatabase() async throws {
        let logs = CapturedLogs()
        let gateway = try await GatewayHarness.start(logs: logs)
        let password = "correct-horse-battery-staple"
        let client = try await gateway.tcp()
        #expect(
            try await command(client, #"{"type":"register","username":"alice","password":"\#(password)"}"#)["status"]
                as? String == "ok")
        let login = try await command(client, #"{"type":"login","username":"alice","password":"\#(password)"}"#)
        let token = try #require(login["token"] as? String)
        // Failures and malformed input that carry the secrets.
        let other = try await gateway.webSocket()
        #expect(
            try await command(ws: other, #"{"type":"login","username":"alice","password":"\#(password)x"}"#)["code"]
                as? String == "invalid_credentials")
        #expect(
            try await command(ws: other, #"{"type":"auth","token":"\#(token)x"}"#)["code"] as? String == "invalid_token"
        )
        #expect(
            try await command(ws: other, #"{"type":"auth","token":"\#(token)","since":"x"}"#)["code"] as? String
                == "invalid_request")
        #expect(try await command(ws: other, #"{"type":"auth","token":"\#(token)"}"#)["status"] as? String == "ok")
        try await other.sendText(#"{"type":"login","password":"\#(password)""#)  // not JSON
        #expect(try await command(client, #"{"type":"logout"}"#)["status"] as? String == "ok")
        await other.close()
        await client.close()
        try await gateway.stop()

        let lines = logs.lines
        #expect(lines.contains { $0.contains("connection opened") }, "the capture works")
        for line in lines {
            #expect(!line.contains(password), "\(line)")
            #expect(!line.contains(token), "\(line)")
        }
        // The token is stored as a hash only; the password as an scrypt hash only.
        for file in try FileManager.default.contentsOfDirectory(atPath: gateway.directory.path("")) {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: gateway.directory.path(file)))
            #expect(bytes.range(of: Data(token.utf8)) == nil, "\(file)")
            #expect(bytes.range(of: Data(password.utf8)) == nil, "\(file)")
        }
    }
}
