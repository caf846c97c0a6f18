import ChatDomain
import EventStore
import Foundation
import Keyring
import Projections

/// Drives the real decisions against the real log and read model, the way the gateway does,
/// to produce realistic event logs for fixtures and tests.
struct ChatScenario {
    let log: SQLiteEventLog
    let keyring: Keyring
    /// Event times advance one second per command from a fixed start, so recordings read well.
    private let clock = ScenarioClock()

    static func open(path: String) async throws -> ChatScenario {
        let keyring = try Keyring.open(databasePath: path)
        return ChatScenario(
            log: try await SQLiteEventLog.open(path: path, projection: ChatProjection(keyring: keyring)),
            keyring: keyring)
    }

    func close() async { await log.close() }

    private func metadata(_ actor: UserID?) -> EventMetadata {
        EventMetadata(actor: actor?.rawValue, requestID: "r\(clock.ticks)", framing: "tool")
    }

    private func append(_ events: [ChatEvent], to stream: String, expected: ExpectedVersion, actor: UserID?)
        async throws
    {
        guard !events.isEmpty else { return }
        let encoded = try events.map { event in
            let bytes = try event.encoded(sealer: keyring)
            return NewEvent(type: bytes.type, schemaVersion: bytes.schemaVersion, data: bytes.data)
        }
        _ = try await log.append(encoded, to: stream, expectedVersion: expected, metadata: metadata(actor))
    }

    @discardableResult
    func register(_ username: String, password: String = "password-123") async throws -> UserID {
        let key = Validation.usernameKey(username)
        let taken = try await log.withReader { try ReadModelQueries.account(usernameKey: key, on: $0) != nil }
        let id = IdentifierFactory.newUserID()
        let events = try Decisions.register(
            username: username, password: password, usernameTaken: taken, userID: id,
            passwordHash: try PasswordHash.make(password: password, parameters: .fastForTesting), now: clock.next())
        try await log.withWriter { [keyring] in try keyring.createKey(for: id, on: $0) }
        try await append(events, to: StreamName.user(id), expected: .noStream, actor: nil)
        return id
    }

    /// Logs in and returns the token.
    @discardableResult
    func login(_ username: String, password: String = "password-123") async throws -> SessionToken {
        let key = Validation.usernameKey(username)
        let account = try await log.withReader { try ReadModelQueries.account(usernameKey: key, on: $0) }
        let token = SessionToken.generate()
        let events = try Decisions.login(
            account: account, password: password, tokenHash: token.hash, now: clock.next(),
            lifetimeMilliseconds: 30 * 86_400_000)
        try await append(
            events, to: StreamName.user(account?.userID ?? UserID("")), expected: .any, actor: account?.userID)
        return token
    }

    func logout(_ token: SessionToken) async throws {
        let hash = token.hash
        guard let session = try await log.withReader({ try ReadModelQueries.session(tokenHash: hash, on: $0) }) else {
            return
        }
        try await append(
            Decisions.logout(session: session, now: clock.next()),
            to: StreamName.user(session.userID), expected: .any,
            actor: session.userID)
    }

    func chat(_ id: ChatID) async throws -> (state: ChatState, streamVersion: Int64)? {
        try await log.withReader { try ReadModelQueries.chatState(id, on: $0) }
    }

    @discardableResult
    func createDirectChat(_ requester: UserID, with other: UserID) async throws -> ChatID {
        let otherExists = try await log.withReader { try ReadModelQueries.user(other, on: $0) != nil }
        let id = IdentifierFactory.directChatID(requester, other)
        let existing = try await chat(id)
        try await append(
            try Decisions.createDirectChat(
                requester: requester, other: other, otherExists: otherExists, existing: existing?.state,
                now: clock.next()),
            to: StreamName.chat(id), expected: .noStream, actor: requester)
        return id
    }

    @discardableResult
    func createGroup(_ requester: UserID, name: String, members: [UserID]) async throws -> ChatID {
        let unknown = try await log.withReader { try ReadModelQueries.unknownUsers(members, on: $0) }
        let id = IdentifierFactory.newGroupID()
        try await append(
            try Decisions.createGroup(
                requester: requester, name: name, memberIDs: members, unknownMembers: unknown, chatID: id,
                now: clock.next()),
            to: StreamName.chat(id), expected: .noStream, actor: requester)
        return id
    }

    func addMember(_ requester: UserID, to group: ChatID, _ user: UserID) async throws {
        let current = try await chat(group)
        let exists = try await log.withReader { try ReadModelQueries.user(user, on: $0) != nil }
        try await append(
            try Decisions.addGroupMember(
                requester: requester, group: current?.state, userID: user, userExists: exists, now: clock.next()),
            to: StreamName.chat(group), expected: .exact(current?.streamVersion ?? 0), actor: requester)
    }

    func removeMember(_ requester: UserID, from group: ChatID, _ user: UserID) async throws {
        let current = try await chat(group)
        try await append(
            try Decisions.removeGroupMember(
                requester: requester, group: current?.state, userID: user, now: clock.next()),
            to: StreamName.chat(group), expected: .exact(current?.streamVersion ?? 0), actor: requester)
    }

    @discardableResult
    func send(_ sender: UserID, to chatID: ChatID, _ content: String, clientMessageID: String? = nil) async throws
        -> MessageID
    {
        let current = try await chat(chatID)
        let previous = try await log.withReader { db in
            try clientMessageID.flatMap {
                try ReadModelQueries.messageByClientID(sender: sender, clientMessageID: $0, on: db)
            }
        }
        switch try Decisions.sendMessage(
            requester: sender, chat: current?.state, content: content, clientMessageID: clientMessageID,
            previous: previous,
            messageID: IdentifierFactory.newMessageID(), now: clock.next())
        {
        case .duplicate(let first):
            return first.messageID
        case .send(let message):
            try await append(
                [.messageSent(message)], to: StreamName.chat(chatID), expected: .exact(current?.streamVersion ?? 0),
                actor: sender)
            return message.messageID
        }
    }

    func edit(_ editor: UserID, in chatID: ChatID, _ messageID: MessageID, to content: String) async throws {
        let current = try await chat(chatID)
        let message = try await log.withReader { try ReadModelQueries.currentMessage(messageID, on: $0) }
        guard
            case .edit(let edited) = try Decisions.editMessage(
                requester: editor, chat: current?.state, message: message, content: content, now: clock.next())
        else { return }
        try await append(
            [.messageEdited(edited)], to: StreamName.chat(chatID), expected: .exact(current?.streamVersion ?? 0),
            actor: editor)
    }

    func delete(_ requester: UserID, in chatID: ChatID, _ messageID: MessageID) async throws {
        let current = try await chat(chatID)
        let message = try await log.withReader { try ReadModelQueries.currentMessage(messageID, on: $0) }
        try await append(
            try Decisions.deleteMessage(
                requester: requester, chat: current?.state, message: message, now: clock.next()),
            to: StreamName.chat(chatID), expected: .exact(current?.streamVersion ?? 0), actor: requester)
    }

    /// What `replay erase-user` appends.
    func erase(_ user: UserID, reason: String?) async throws {
        try await append(
            [.userErased(UserErased(userID: user, requestedBy: "operator", reason: reason, erasedAt: clock.next()))],
            to: StreamName.user(user), expected: .any, actor: nil)
    }

    /// Appends a message in the retired schema version 1, as an old server did.
    func sendVersion1(_ sender: UserID, to chatID: ChatID, _ text: String) async throws {
        let data = """
            {"chat_id":"\(chatID)","message_id":"\(IdentifierFactory.newMessageID())","sender_id":"\(sender)","sent_at":"\(clock.next().iso8601)","text":"\(text)"}
            """
        _ = try await log.append(
            [NewEvent(type: "message_sent", schemaVersion: 1, data: Array(data.utf8))], to: StreamName.chat(chatID),
            expectedVersion: .any, metadata: metadata(sender))
    }

    func markRead(_ reader: UserID, in chatID: ChatID, upTo messageID: MessageID) async throws {
        let current = try await chat(chatID)
        let (target, watermark) = try await log.withReader { db in
            (
                try ReadModelQueries.message(messageID, on: db),
                try ReadModelQueries.watermark(chat: chatID, reader: reader, on: db)
            )
        }
        try await append(
            try Decisions.markRead(
                requester: reader, chat: current?.state, target: target, watermark: watermark, now: clock.next()),
            to: StreamName.chat(chatID), expected: .exact(current?.streamVersion ?? 0), actor: reader)
    }

    /// What `get_messages` does: returns the newest page and marks it read.
    @discardableResult
    func readMessages(_ reader: UserID, in chatID: ChatID, limit: Int = 50) async throws -> MessagePage {
        let current = try await chat(chatID)
        try Decisions.authorizeRead(requester: reader, chat: current?.state)
        let (page, newest, watermark) = try await log.withReader { db in
            (
                try ReadModelQueries.messages(in: chatID, before: nil, limit: limit, on: db),
                try ReadModelQueries.newestMessage(in: chatID, notSentBy: reader, on: db),
                try ReadModelQueries.watermark(chat: chatID, reader: reader, on: db)
            )
        }
        try await append(
            try Decisions.markRead(
                requester: reader, chat: current?.state, target: newest, watermark: watermark, now: clock.next()),
            to: StreamName.chat(chatID), expected: .exact(current?.streamVersion ?? 0), actor: reader)
        return page
    }
}

/// 2026-11-28T09:00:00.000Z, then one second per command.
final class ScenarioClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Int64 = 1_795_856_400_000
    var ticks: Int64 { lock.withLock { (current - 1_795_856_400_000) / 1000 } }
    func next() -> Timestamp {
        lock.withLock {
            current += 1000
            return Timestamp(millisecondsSinceEpoch: current)
        }
    }
}
