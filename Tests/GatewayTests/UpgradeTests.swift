import ChatDomain
import ChatTestSupport
import EventStore
import Foundation
import Gateway
import Keyring
import Projections
import Testing

/// A database written before version 1.1 (plain-text names and messages, no keys) served by
/// this version: its users log in, and what they write from now on is sealed.
@Suite struct UpgradeTests {
    @Test func anAccountFromBeforeSealingGetsAKeyWhenItFirstWrites() async throws {
        let directory = try TemporaryDirectory()
        let database = directory.path("chat.db")
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/old-schema-message.ndjson").path
        _ = try ChatLogImporter.importLog(from: fixture, to: database)
        let keyring = try Keyring.open(databasePath: database)
        #expect(!keyring.hasKey(for: UserID("nobody")))
        let log = try await SQLiteEventLog.open(path: database, projection: ChatProjection(keyring: keyring))
        let service = ChatService(storage: .sqlite(log: log, keyring: keyring))
        let context = ConnectionContext(connectionID: "c", framing: .tcp)
        func send(_ line: String, _ context: ConnectionContext) async throws -> [String: Any] {
            try json(String(decoding: await service.handle(Array(line.utf8), context: context).response, as: UTF8.self))
        }
        let login = try await send(#"{"type":"login","username":"alice","password":"password-123"}"#, context)
        let userID = try #require(login["user_id"] as? String)
        #expect(!keyring.hasKey(for: UserID(userID)), "no key until the first sealed write")
        var session = context
        session.session = AuthenticatedSession(
            userID: UserID(userID), username: "alice",
            tokenHash: SessionToken.hash(of: try login.field("token", as: String.self)))
        let chats = try #require(try await send(#"{"type":"get_user_chats"}"#, session)["chats"] as? [[String: Any]])
        let chatID = try #require(chats.first?["id"] as? String)
        let sent = try await send(#"{"type":"message","chat_id":"\#(chatID)","content":"sealed from now on"}"#, session)
        #expect(sent["status"] as? String == "ok", "\(sent)")
        #expect(keyring.hasKey(for: UserID(userID)))
        let last = try #require(try await log.read(after: 0, limit: 100).last)
        #expect(last.schemaVersion == 3)
        #expect(!String(decoding: last.data, as: UTF8.self).contains("sealed from now on"))
        let page = try await send(#"{"type":"get_messages","chat_id":"\#(chatID)"}"#, session)
        #expect((page["messages"] as? [[String: Any]])?.last?["content"] as? String == "sealed from now on")
        let head = try await log.headPosition()
        await log.close()
        #expect(try ProjectionVerifier.verify(path: database) == .verified(events: head))
    }
}
