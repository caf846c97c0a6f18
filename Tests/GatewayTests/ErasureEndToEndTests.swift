import ChatDomain
import ChatTestSupport
import EventStore
import Foundation
import Gateway
import Keyring
import Projections
import Testing

/// `replay erase-user` beside a running gateway (protocol §10): the user's sessions end, their
/// text and name read as erased everywhere, and no byte of either is left in the database files
/// or in an export, while the log still verifies.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ErasureEndToEndTests {
    static let secretName = "zelda_quietly"
    static let secretTexts = ["ZELDA-SECRET-FIRST", "ZELDA-SECRET-SECOND", "ZELDA-SECRET-EDITED"]
    static let bobsText = "bob keeps this text"

    /// Registers users with cheap password hashes in this process (their parameters are stored
    /// with them, so the child's logins are cheap too), then closes the log.
    func register(_ names: [String], in database: String) async throws -> [String: String] {
        let keyring = try Keyring.open(databasePath: database)
        let log = try await SQLiteEventLog.open(path: database, projection: ChatProjection(keyring: keyring))
        let service = ChatService(
            storage: .sqlite(log: log, keyring: keyring), configuration: .init(passwordParameters: .fastForTesting))
        var ids = [String: String]()
        for name in names {
            let reply = await service.handle(
                Array(#"{"type":"register","username":"\#(name)","password":"password-1"}"#.utf8),
                context: ConnectionContext(connectionID: "setup", framing: .tcp))
            ids[name] = try #require(try json(String(decoding: reply.response, as: UTF8.self))["user_id"] as? String)
        }
        await log.close()
        return ids
    }

    func replay(_ arguments: String...) async throws -> ToolRun { try await ToolRun.complete("replay", arguments) }

    /// Every file of the database (the log, its WAL and shared memory), as bytes.
    func databaseBytes(_ database: String) throws -> [(String, Data)] {
        try ["", "-wal", "-shm"].compactMap { suffix in
            let path = database + suffix
            return FileManager.default.fileExists(atPath: path)
                ? (path, try Data(contentsOf: URL(fileURLWithPath: path))) : nil
        }
    }

    func contains(_ data: Data, _ text: String) -> Bool { data.range(of: Data(text.utf8)) != nil }

    @Test func erasingAUserWhileTheGatewayRunsForgetsThemEverywhereAndTheLogStillVerifies() async throws {
        let directory = try TemporaryDirectory()
        let database = directory.path("chat.db")
        let ids = try await register([Self.secretName, "bob"], in: database)
        let zeldaID = try #require(ids[Self.secretName])
        let bobID = try #require(ids["bob"])

        let gateway = try await GatewayProcess.start(database: database)
        let zelda = try await RawClient.connect(port: gateway.port)
        let bob = try await RawClient.connect(port: gateway.port)
        let zeldaLogin = try await command(
            zelda, #"{"type":"login","username":"\#(Self.secretName)","password":"password-1"}"#)
        #expect(zeldaLogin.isOK)
        let bobsLogin = try await command(bob, #"{"type":"login","username":"bob","password":"password-1"}"#)
        let bobsToken = try #require(bobsLogin["token"] as? String)
        let bobsPosition = try #require(bobsLogin["position"] as? Int)
        let chatID = try #require(
            try await command(zelda, #"{"type":"create_chat","user_id":"\#(bobID)"}"#)["chat_id"] as? String)
        let first = try #require(
            try await command(zelda, #"{"type":"message","chat_id":"\#(chatID)","content":"\#(Self.secretTexts[0])"}"#)[
                "message_id"] as? String)
        _ = try await command(zelda, #"{"type":"message","chat_id":"\#(chatID)","content":"\#(Self.secretTexts[1])"}"#)
        let edited = try await command(
            zelda,
            #"{"type":"edit_message","chat_id":"\#(chatID)","message_id":"\#(first)","content":"\#(Self.secretTexts[2])"}"#
        )
        #expect(edited["changed"] as? Bool == true)
        #expect(
            try await command(bob, #"{"type":"message","chat_id":"\#(chatID)","content":"\#(Self.bobsText)"}"#).isOK)

        let erased = try await replay("erase-user", "--db", database, "--user", zeldaID, "--reason", "Art. 17 request")
        #expect(erased.status == 0, "\(erased.stderr)")
        #expect(erased.stdout.contains("erased \(zeldaID)"))
        #expect(erased.stdout.contains("the WAL is empty"))
        #expect(!erased.stdout.contains("plain text"), "a log written since 1.1 has no plain-text remnants")

        // The gateway notices the other process's append: Zelda's session ends, and closes.
        var ended = false
        while let line = try await zelda.line() {
            if try json(line)["type"] as? String == "session:ended" { ended = true }
        }
        #expect(ended)

        let placeholder = ErasedUser.placeholderName(for: UserID(zeldaID))
        let page = try await command(bob, #"{"type":"get_messages","chat_id":"\#(chatID)"}"#)
        let messages = try #require(page["messages"] as? [[String: Any]])
        #expect(messages.count == 3)
        for message in messages.prefix(2) {
            #expect(message["content"] as? String == "")
            #expect(message["erased"] as? Bool == true)
            #expect(message["sender_username"] as? String == placeholder)
        }
        #expect(messages[2]["content"] as? String == Self.bobsText, "other users' messages are untouched")
        #expect(messages[2]["erased"] as? Bool == false)
        let chats = try #require(try await command(bob, #"{"type":"get_user_chats"}"#)["chats"] as? [[String: Any]])
        #expect(chats.first?["name"] as? String == placeholder)
        let users = try #require(try await command(bob, #"{"type":"list_users"}"#)["users"] as? [[String: Any]])
        #expect(Set(users.compactMap { $0["username"] as? String }) == ["bob", placeholder])

        // A resume from before the erasure replays Zelda's messages with the placeholders.
        let resuming = try await RawClient.connect(port: gateway.port)
        #expect(
            try await command(resuming, #"{"type":"auth","token":"\#(bobsToken)","since":\#(bobsPosition)}"#).isOK)
        var replayed = [[String: Any]]()
        while replayed.count < 3 {
            let pushed = try await push(resuming)
            if pushed["type"] as? String == "message:new" {
                replayed.append(pushed["payload"] as? [String: Any] ?? [:])
            }
        }
        #expect(replayed.prefix(2).allSatisfy { $0["content"] as? String == "" && $0["erased"] as? Bool == true })
        #expect(replayed.prefix(2).allSatisfy { $0["sender_username"] as? String == placeholder })
        #expect(replayed[2]["content"] as? String == Self.bobsText)

        let again = try await RawClient.connect(port: gateway.port)
        let login = try await command(
            again, #"{"type":"login","username":"\#(Self.secretName)","password":"password-1"}"#)
        #expect(login["code"] as? String == "invalid_credentials")
        let resumed = try await command(
            again, #"{"type":"auth","token":"\#(zeldaLogin.field("token", as: String.self))"}"#)
        #expect(resumed["code"] as? String == "invalid_token")
        gateway.kill()

        // The log verifies; rebuilds agree with each other and with what the gateway showed.
        #expect(try await replay("verify", "--db", database).status == 0)
        func dump() throws -> String {
            try ReadModelDump.json(ReadModelDump.dump(on: EventLogFile.openExisting(path: database, readOnly: true)))
        }
        let live = try dump()
        #expect(try await replay("rebuild", "--db", database).status == 0)
        let rebuilt = try dump()
        #expect(try await replay("rebuild", "--db", database).status == 0)
        #expect(try dump() == rebuilt)
        #expect(rebuilt == live)
        #expect(rebuilt.contains(placeholder))

        // No byte of the erased name or text, in the files (after a checkpoint) or in an export.
        try EventLogFile.openExisting(path: database).execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for (path, bytes) in try databaseBytes(database) {
            for secret in [Self.secretName] + Self.secretTexts {
                #expect(!contains(bytes, secret), "\(secret) in \(path)")
            }
        }
        #expect(try databaseBytes(database).contains { contains($0.1, Self.bobsText) }, "the scan can find text")
        let export = directory.path("export.ndjson")
        let keys = directory.path("keys.ndjson")
        #expect(try await replay("export", "--db", database, "--out", export, "--keys-out", keys).status == 0)
        let exported = try Data(contentsOf: URL(fileURLWithPath: export))
        for secret in [Self.secretName] + Self.secretTexts { #expect(!contains(exported, secret)) }
        let exportedKeys = try String(contentsOfFile: keys, encoding: .utf8)
        #expect(exportedKeys.contains(bobID) && !exportedKeys.contains(zeldaID), "only the keys of users not erased")

        // The name is free again.
        let restarted = try await GatewayProcess.start(database: database)
        let newcomer = try await RawClient.connect(port: restarted.port)
        let registered = try await command(
            newcomer, #"{"type":"register","username":"\#(Self.secretName)","password":"password-2"}"#)
        #expect(registered.isOK, "\(registered)")
        #expect(registered["user_id"] as? String != zeldaID)
        restarted.kill()
    }
}
