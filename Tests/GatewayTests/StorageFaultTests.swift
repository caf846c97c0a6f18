import Foundation
import Projections
import Testing

/// The disk filling up mid-stream: `unavailable` to the client, nothing acknowledged lost,
/// and service resumes when space returns. SQLite's `max_page_count` on the writer gives
/// the same SQLITE_FULL a full disk does.
@Suite(.timeLimit(.minutes(1))) struct StorageFaultTests {
    @Test func aFullDiskIsUnavailableLosesNothingAcknowledgedAndRecovers() async throws {
        let h = try await ChatServiceHarness.make()
        let alice = try await h.user("alice")
        let bob = try await h.user("bob")
        let chatID = try await h.send(#"{"type":"create_chat","user_id":"\#(bob.id)"}"#, on: alice.connection)["chat_id"] as! String
        let content = String(repeating: "y", count: 4_000)
        func send() async throws -> [String: Any] {
            try await h.send(#"{"type":"message","chat_id":"\#(chatID)","content":"\#(content)"}"#, on: alice.connection)
        }

        let pages = try await h.log.withWriter { try $0.scalarInt64("PRAGMA page_count") ?? 0 }
        try await h.log.withWriter { try $0.execute("PRAGMA max_page_count = \(pages + 8)") }
        var acknowledged = [String]()
        var refusal: [String: Any]?
        for _ in 0..<100 {
            let reply = try await send()
            guard reply.isOK else {
                refusal = reply
                break
            }
            acknowledged.append(reply["message_id"] as! String)
        }
        #expect(refusal?.code == "unavailable")
        let message = (refusal?["message"] as? String ?? "").lowercased()
        #expect(!message.contains("sql") && !message.contains("full"), "no internals leak: \(message)")
        #expect(!acknowledged.isEmpty)
        #expect(try await send().code == "unavailable", "still full")

        try await h.log.withWriter { try $0.execute("PRAGMA max_page_count = 1073741823") }
        let after = try await send()
        #expect(after.isOK)
        acknowledged.append(after["message_id"] as! String)

        let page = try await h.send(#"{"type":"get_messages","chat_id":"\#(chatID)","limit":200}"#, on: bob.connection)
        let stored = (page["messages"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        #expect(stored == acknowledged, "every acknowledged message, and only those")
        let head = try await h.log.headPosition()
        #expect(try ProjectionVerifier.verify(path: h.directory.path("chat.db")) == .verified(events: head))
    }
}
