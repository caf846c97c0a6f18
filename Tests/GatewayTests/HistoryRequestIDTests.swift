import Foundation
import Testing

/// `replay history --format ndjson` on a log the gateway wrote: each event's `request_id` is
/// the value the client sent, string or number, not the JSON text it is stored as.
@Suite struct HistoryRequestIDTests {
    static let replay = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("replay")

    @Test func requestIDsArePrintedAsTheClientSentThem() async throws {
        let h = try await ChatServiceHarness.make()
        let c = h.connection()
        try await h.send(#"{"type":"register","username":"alice","password":"password-1","request_id":"r18"}"#, on: c)
        try await h.send(#"{"type":"register","username":"bob","password":"password-1","request_id":42}"#, on: c)
        try await h.send(
            #"{"type":"register","username":"carol","password":"password-1","request_id":"say \"hi\""}"#, on: c)
        await h.log.close()

        let process = Process()
        process.executableURL = Self.replay
        process.arguments = ["history", "--db", h.directory.path("chat.db"), "--format", "ndjson"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let lines = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(
            separator: "\n")
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let entries = try lines.map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(entries.count == 3)
        guard entries.count == 3 else { return }
        #expect(entries[0]["request_id"] as? String == "r18")
        #expect(entries[1]["request_id"] as? Int == 42)
        #expect(entries[2]["request_id"] as? String == #"say "hi""#)
    }
}
