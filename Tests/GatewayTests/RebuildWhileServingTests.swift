import BackendTestSupport
import ChatDomain
import ChatTestSupport
import Foundation
import Gateway
import Testing

/// `replay rebuild` while the gateway serves (safe, its help says): messages sent before,
/// during and after the rebuild are all in the rebuilt read model, the service keeps
/// answering on the new tables, and the database still verifies.
@Suite(.timeLimit(.minutes(2))) struct RebuildWhileServingTests {
    @Test(arguments: TestBackend.allCases)
    func messagesSentDuringARebuildAreAllInTheRebuiltReadModel(backend: TestBackend) async throws {
        let directory = try TemporaryDirectory()
        let location = try backend.location(in: directory)
        let keyFile = backend.keyFile(in: directory)
        let storage = try await backend.storage(at: location, keyFile: keyFile)
        let client = ServiceClient(storage: storage)
        let alice = try await client.user("alice")
        let bob = try await client.user("bob")
        let chat =
            try await client.send(#"{"type":"create_chat","user_id":"\#(bob.id)"}"#, as: alice.context).field(
                "chat_id", as: String.self)
        var acknowledged = 0
        func sendMessage() async throws {
            let reply = try await client.send(
                #"{"type":"message","chat_id":"\#(chat)","content":"message \#(acknowledged)"}"#, as: alice.context)
            try #require(reply["status"] as? String == "ok", "\(reply)")
            acknowledged += 1
        }
        for _ in 0..<20 { try await sendMessage() }

        let finished = Finished()
        let rebuild = Task {
            defer { finished.set() }
            return try await ToolRun.complete("replay", ["rebuild", "--db", location, "--key-file", keyFile])
        }
        var sentDuring = 0
        // Bounded: under ThreadSanitizer the rebuild is slow, and an unbounded loop would
        // only load the machine the other suites share.
        while !finished.value, sentDuring < 200 {
            try await sendMessage()
            sentDuring += 1
        }
        let rebuilt = try await rebuild.value
        #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
        for _ in 0..<20 { try await sendMessage() }

        #expect(sentDuring > 0, "messages were sent while the rebuild ran")
        #expect(try await storage.readModel.messageCount(sentBy: UserID(alice.id)) == Int64(acknowledged))
        let page = try await client.send(#"{"type":"get_messages","chat_id":"\#(chat)","limit":5}"#, as: bob.context)
        #expect((page["messages"] as? [[String: Any]])?.last?["content"] as? String == "message \(acknowledged - 1)")
        await storage.close()
        let verified = try await ToolRun.complete("replay", ["verify", "--db", location, "--key-file", keyFile])
        #expect(verified.status == 0, "\(verified.stderr)")
    }
}

/// Set once by the task that finishes; read by the one that keeps working meanwhile.
private final class Finished: @unchecked Sendable {
    private let lock = NSLock()
    private var finished = false
    var value: Bool { lock.withLock { finished } }
    func set() { lock.withLock { finished = true } }
}
