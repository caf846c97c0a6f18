import BackendTestSupport
import ChatDomain
import ChatTestSupport
import EventStore
import Foundation
import PostgresBackend
import Projections
import Testing

/// Every read-model query answers the same on every backend, for every recorded fixture:
/// the same log imported into SQLite and into PostgreSQL, then asked everything the gateway
/// asks, about every user, chat, message, session and client message id the log names.
@Suite struct ReadModelConformanceTests {
    static let fixtures = ["direct-chat-with-receipts", "group-membership", "old-schema-message", "edits-and-erasure"]
    static let fixtureDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")

    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory() }

    @Test(arguments: fixtures)
    func everyQueryAnswersTheSameOnEveryBackend(fixture: String) async throws {
        let log = Self.fixtureDirectory.appendingPathComponent("\(fixture).ndjson").path
        let keys = Self.fixtureDirectory.appendingPathComponent("\(fixture).keys.ndjson").path
        let keysIn = FileManager.default.fileExists(atPath: keys) ? keys : nil
        let names = try FixtureNames(log: log)

        let sqlitePath = directory.path("chat.db")
        _ = try ChatLogImporter.importLog(from: log, to: sqlitePath, keysIn: keysIn)
        let sqlite = try await TestBackend.sqlite.storage(at: sqlitePath, keyFile: sqlitePath + ".key")
        let sqliteAnswers = try await Answers.ask(sqlite.readModel, about: names)
        await sqlite.close()

        let url = try TestPostgres.freshDatabase()
        let imported = try await PostgresLogImporter.importLog(
            from: log, to: PostgresURL(url), keyFile: directory.path("pg.key"), keysIn: keysIn)
        #expect(imported == names.eventCount)
        let postgres = try await TestBackend.postgres.storage(at: url, keyFile: directory.path("pg.key"))
        let postgresAnswers = try await Answers.ask(postgres.readModel, about: names)
        await postgres.close()

        #expect(sqliteAnswers.lines.count > 20, "the fixture names enough to ask about")
        #expect(sqliteAnswers.lines.contains { $0.hasPrefix("messages(") && $0.contains("MessageView(") })
        for (sqliteLine, postgresLine) in zip(sqliteAnswers.lines, postgresAnswers.lines) {
            #expect(sqliteLine == postgresLine)
        }
        #expect(sqliteAnswers.lines.count == postgresAnswers.lines.count)
    }
}

/// The ids, names and keys a fixture's events carry.
struct FixtureNames {
    var eventCount: Int64 = 0
    var users: [String] = []
    var usernames: [String] = []
    var tokenHashes: [String] = []
    var chats: [String] = []
    var messages: [String] = []
    var clientMessageIDs: [(sender: String, id: String)] = []

    var userIDs: [UserID] { users.map { UserID($0) } }
    var chatIDs: [ChatID] { chats.map { ChatID($0) } }
    var messageIDs: [MessageID] { messages.map { MessageID($0) } }

    init(log: String) throws {
        for line in try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n") {
            guard let event = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let data = event["data"] as? [String: Any]
            else { continue }
            eventCount += 1
            func add(_ key: String, to list: inout [String]) {
                if let value = data[key] as? String, !list.contains(value) { list.append(value) }
            }
            add("user_id", to: &users)
            add("username", to: &usernames)
            add("token_hash", to: &tokenHashes)
            add("chat_id", to: &chats)
            add("message_id", to: &messages)
            if let id = data["client_message_id"] as? String, let sender = data["sender_id"] as? String {
                clientMessageIDs.append((sender, id))
            }
        }
        users.append("u-nobody")
        chats.append("c-nothing")
        messages.append("m-nothing")
    }
}

/// Every answer, one line each, in a fixed order: sets and dictionaries sorted.
struct Answers {
    var lines: [String] = []

    mutating func record(_ question: String, _ answer: Any?) {
        lines.append("\(question) = \(answer.map { String(describing: $0) } ?? "nil")")
    }

    static func ask(_ model: any ChatReadModel, about names: FixtureNames) async throws -> Answers {
        var answers = Answers()
        for username in names.usernames {
            let key = Validation.usernameKey(username)
            answers.record("account(\(key))", try await model.account(usernameKey: key))
        }
        for user in names.userIDs {
            answers.record("user(\(user))", try await model.user(user))
            answers.record("messageCount(sentBy: \(user))", try await model.messageCount(sentBy: user))
            answers.record("isActiveUser(\(user))", try await model.isActiveUser(user))
            answers.record("chats(of: \(user))", try await model.chats(of: user))
            for chat in names.chatIDs {
                let mark = try await model.readMark(in: chat, reader: user)
                answers.record(
                    "readMark(\(chat), \(user))",
                    "\(String(describing: mark.newest)) \(String(describing: mark.watermark))")
                answers.record("watermark(\(chat), \(user))", try await model.watermark(chat: chat, reader: user))
            }
        }
        answers.record(
            "unknownUsers", try await model.unknownUsers(names.userIDs).map(\.rawValue).sorted())
        for hash in names.tokenHashes { answers.record("session(\(hash))", try await model.session(tokenHash: hash)) }
        for query in [nil, "", "a", "B", "erased-"] {
            answers.record("searchUsers(\(query ?? "nil"))", try await model.searchUsers(query: query, limit: 50))
        }
        answers.record("searchUsers(limit 1)", try await model.searchUsers(query: nil, limit: 1))
        for chat in names.chatIDs {
            if let state = try await model.chatState(chat) {
                answers.record(
                    "chatState(\(chat))",
                    "\(state.state.kind) \(state.state.name ?? "-") \(state.state.members.sorted { $0.key.rawValue < $1.key.rawValue }) v\(state.streamVersion)"
                )
            } else {
                answers.record("chatState(\(chat))", nil)
            }
            answers.record("messages(\(chat), newest 2)", try? await model.messages(in: chat, before: nil, limit: 2))
            answers.record("messages(\(chat), all)", try? await model.messages(in: chat, before: nil, limit: 100))
            for message in names.messageIDs {
                answers.record(
                    "messages(\(chat), before \(message))",
                    (try? await model.messages(in: chat, before: message, limit: 100)).map(String.init(describing:))
                        ?? "invalid_request")
            }
        }
        for message in names.messageIDs {
            answers.record("message(\(message))", try await model.message(message))
            answers.record("currentMessage(\(message))", try await model.currentMessage(message))
            answers.record("messageTimestamp(\(message))", try await model.messageTimestamp(message))
        }
        for (sender, id) in names.clientMessageIDs {
            answers.record(
                "messageByClientID(\(sender), \(id))",
                try await model.messageByClientID(sender: UserID(sender), clientMessageID: id))
        }
        let snapshot = try await model.membershipSnapshot()
        answers.record("snapshot.position", snapshot.position)
        answers.record(
            "snapshot.chats",
            snapshot.chats.sorted { $0.key.rawValue < $1.key.rawValue }.map {
                "\($0.key) \($0.value.kind) \($0.value.members.sorted { $0.key.rawValue < $1.key.rawValue })"
            })
        answers.record("snapshot.createdAt", snapshot.createdAt.sorted { $0.key.rawValue < $1.key.rawValue })
        answers.record("snapshot.usernames", snapshot.usernames.sorted { $0.key.rawValue < $1.key.rawValue })
        return answers
    }
}
