import ChatDomain
import ChatTestSupport
import EventStore
import Foundation
import Projections
import Testing

/// `kill -9` of a real `chat-gateway` process under load: every acknowledged message must be
/// in the log after a restart, and the log and projections must verify.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct CrashRecoveryTests {
    @Test func everyAcknowledgedMessageSurvivesKillNine() async throws {
        let directory = try TemporaryDirectory()
        let database = directory.path("chat.db")
        var child = try await GatewayProcess.start(database: database)

        let alice = try await RawClient.connect(port: child.port)
        try await alice.write(#"{"type":"register","username":"alice","password":"password-1"}"# + "\n")
        _ = try await response(alice)
        try await alice.write(#"{"type":"register","username":"bob","password":"password-1"}"# + "\n")
        let bobID = try await (response(alice) ?? [:]).field("user_id", as: String.self)
        try await alice.write(#"{"type":"login","username":"alice","password":"password-1"}"# + "\n")
        _ = try await response(alice)
        try await alice.write(#"{"type":"create_chat","user_id":"\#(bobID)"}"# + "\n")
        let chatID = try await (response(alice) ?? [:]).field("chat_id", as: String.self)

        // Keep many sends in flight, then kill the process while they are being committed.
        var acknowledged = [String]()
        let total = 400
        try await alice.write(
            (0..<total).map { #"{"type":"message","chat_id":"\#(chatID)","content":"m\#($0)","request_id":\#($0)}"# }
                .joined(separator: "\n") + "\n")
        while acknowledged.count < 100, let reply = try await response(alice) {
            if let id = reply["message_id"] as? String { acknowledged.append(id) }
        }
        child.kill()
        // Whatever acks were already on their way also count; the dead server may reset the socket.
        do {
            while let reply = try await response(alice) {
                if let id = reply["message_id"] as? String { acknowledged.append(id) }
            }
        } catch {}
        #expect(acknowledged.count >= 100)

        child = try await GatewayProcess.start(database: database)
        defer { child.kill() }
        let reader = try await RawClient.connect(port: child.port)
        try await reader.write(#"{"type":"login","username":"alice","password":"password-1"}"# + "\n")
        _ = try await response(reader)
        try await reader.write(#"{"type":"get_messages","chat_id":"\#(chatID)","limit":200}"# + "\n")
        var stored = Set<String>()
        var page = try await response(reader)
        while let current = page {
            let messages = current["messages"] as? [[String: Any]] ?? []
            stored.formUnion(messages.compactMap { $0["id"] as? String })
            guard current["has_more"] as? Bool == true, let oldest = messages.first?["id"] as? String else { break }
            try await reader.write(
                #"{"type":"get_messages","chat_id":"\#(chatID)","limit":200,"before":"\#(oldest)"}"# + "\n")
            page = try await response(reader)
        }
        let lost = Set(acknowledged).subtracting(stored)
        #expect(lost.isEmpty, "acknowledged but lost: \(lost.count)")
        child.kill()
        #expect(
            try ProjectionVerifier.verify(path: database)
                == .verified(
                    events: try EventLogFile.headPosition(on: EventLogFile.openExisting(path: database, readOnly: true))
                ))
    }
}
