import BackendTestSupport
import ChatDomain
import ChatTestSupport
import EventStore
import Projections
import Testing

/// The read model refuses a second message with a sender's client message id, whichever
/// append of a group commit carries it: that append alone fails, its neighbours commit —
/// in new chats, and in chats already written to (whose appends PostgreSQL commits in one
/// statement, without a transaction of their own).
@Suite struct ProjectionRefusalTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory() }

    @Test(arguments: TestBackend.allCases, [false, true])
    func aRepeatedClientMessageIDFailsAloneInItsBatch(backend: TestBackend, chatsWrittenBefore: Bool) async throws {
        let storage = try await backend.storage(
            at: backend.location(in: directory), keyFile: backend.keyFile(in: directory))
        let sender = IdentifierFactory.newUserID()
        try await storage.keyring.createKey(for: sender)
        let log = storage.log
        let keyring = storage.keyring
        let earlier = chatsWrittenBefore ? 32 : 0
        for index in 0..<earlier {
            let chat = ChatID("g-conformance-\(index)")
            let encoded = try ChatEvent.messageSent(
                MessageSent(
                    messageID: IdentifierFactory.newMessageID(), chatID: chat, senderID: sender, content: "first",
                    clientMessageID: "first-\(index)", sentAt: Timestamp(millisecondsSinceEpoch: 1_795_856_400_000))
            ).encoded(sealer: keyring)
            _ = try await log.append(
                [NewEvent(type: encoded.type, schemaVersion: encoded.schemaVersion, data: encoded.data)],
                to: StreamName.chat(chat), expectedVersion: .noStream, metadata: .init())
        }
        // Many concurrent appends, so that they share transactions; two carry client id "same".
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for index in 0..<32 {
                group.addTask {
                    let chat = ChatID("g-conformance-\(index)")
                    let message = MessageSent(
                        messageID: IdentifierFactory.newMessageID(), chatID: chat, senderID: sender,
                        content: "m\(index)", clientMessageID: index == 3 || index == 20 ? "same" : "c\(index)",
                        sentAt: Timestamp(millisecondsSinceEpoch: 1_795_856_400_000))
                    do {
                        let encoded = try ChatEvent.messageSent(message).encoded(sealer: keyring)
                        _ = try await log.append(
                            [NewEvent(type: encoded.type, schemaVersion: encoded.schemaVersion, data: encoded.data)],
                            to: StreamName.chat(chat), expectedVersion: .any, metadata: .init())
                        return (index, true)
                    } catch EventStoreError.rejectedByProjection {
                        return (index, false)
                    } catch {
                        Issue.record("append \(index): \(error)")
                        return (index, false)
                    }
                }
            }
            return await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes.values.filter { !$0 }.count == 1, "exactly one of the two repeats is refused")
        #expect(outcomes[3] != outcomes[20])
        #expect(try await log.read(after: 0, limit: 100).count == earlier + 31)
        #expect(
            try await storage.readModel.messageByClientID(sender: sender, clientMessageID: "same") != nil,
            "the one accepted is found by its client id")
        await storage.close()
    }
}
