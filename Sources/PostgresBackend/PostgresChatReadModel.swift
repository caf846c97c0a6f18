public import ChatDomain
import Logging
import PostgresNIO
public import Projections

/// The chat read model in PostgreSQL: the queries of the SQLite backend
/// (``ReadModelQueries``) in PostgreSQL's SQL, on the log's pooled connections.
public struct PostgresChatReadModel: ChatReadModel {
    let log: PostgresEventLog

    public init(log: PostgresEventLog) {
        self.log = log
    }

    private var logger: Logger { log.logger }

    public func account(usernameKey: String) async throws -> Account? {
        try await log.storage { db in
            for try await (id, username, password) in try await db.query(
                "SELECT user_id, username, password FROM users WHERE username_key = \(usernameKey) AND NOT erased",
                logger: logger
            ).decode((String, String, String).self) {
                return Account(
                    userID: UserID(id), username: username,
                    password: try JSONCoding.decode(PasswordHash.self, from: Array(password.utf8)))
            }
            return nil
        }
    }

    public func user(_ id: UserID) async throws -> UserProfile? {
        try await log.storage { db in
            for try await username in try await db.query(
                "SELECT username FROM users WHERE user_id = \(id.rawValue)", logger: logger
            ).decode(String.self) {
                return UserProfile(id: id, username: username)
            }
            return nil
        }
    }

    public func messageCount(sentBy sender: UserID) async throws -> Int64 {
        try await log.storage { db in
            try await db.firstInt64(
                "SELECT count(*) FROM messages WHERE sender_id = \(sender.rawValue)", logger: logger) ?? 0
        }
    }

    public func isActiveUser(_ id: UserID) async throws -> Bool {
        try await log.storage { db in
            for try await _ in try await db.query(
                "SELECT 1 FROM users WHERE user_id = \(id.rawValue) AND NOT erased", logger: logger)
            {
                return true
            }
            return false
        }
    }

    public func unknownUsers(_ ids: [UserID]) async throws -> Set<UserID> {
        let asked = ids.map(\.rawValue)
        return try await log.storage { db in
            var unknown = Set<UserID>()
            for try await id in try await db.query(
                "SELECT id FROM unnest(\(asked)::text[]) AS asked (id) WHERE NOT EXISTS (SELECT 1 FROM users WHERE user_id = id)",
                logger: logger
            ).decode(String.self) {
                unknown.insert(UserID(id))
            }
            return unknown
        }
    }

    public func session(tokenHash: String) async throws -> SessionRecord? {
        try await log.storage { db in
            for try await (id, username, expiresAt, ended) in try await db.query(
                """
                SELECT s.user_id, u.username, s.expires_at, s.ended_at IS NOT NULL
                FROM sessions s JOIN users u ON u.user_id = s.user_id WHERE s.token_hash = \(tokenHash)
                """, logger: logger
            ).decode((String, String, Int64, Bool).self) {
                return SessionRecord(
                    userID: UserID(id), username: username, tokenHash: tokenHash,
                    expiresAt: Timestamp(millisecondsSinceEpoch: expiresAt), ended: ended)
            }
            return nil
        }
    }

    public func searchUsers(query: String?, limit: Int) async throws -> [UserProfile] {
        let key = Validation.usernameKey(query ?? "")
        return try await log.storage { db in
            var users = [UserProfile]()
            for try await (id, username) in try await db.query(
                // `COLLATE "C"`: the same order as SQLite's, by code point.
                """
                SELECT user_id, username FROM users WHERE strpos(username_key, \(key)) > 0
                ORDER BY username_key COLLATE "C" LIMIT \(limit)
                """, logger: logger
            ).decode((String, String).self) {
                users.append(UserProfile(id: UserID(id), username: username))
            }
            return users
        }
    }

    public func chatState(_ chatID: ChatID) async throws -> (state: ChatState, streamVersion: Int64)? {
        try await log.storage { db in
            var found: (ChatState.Kind, String?, Int64)?
            for try await (kind, name, version) in try await db.query(
                """
                SELECT kind, name, coalesce((SELECT max(stream_version) FROM events WHERE stream_id = \(StreamName.chat(chatID))), 0)
                FROM chats WHERE chat_id = \(chatID.rawValue)
                """, logger: logger
            ).decode((String, String?, Int64).self) {
                found = (ChatState.Kind(rawValue: kind) ?? .group, name, version)
            }
            guard let (kind, name, version) = found else { return nil }
            var roles = [UserID: MemberRole]()
            for try await (user, role) in try await db.query(
                "SELECT user_id, role FROM members WHERE chat_id = \(chatID.rawValue)", logger: logger
            ).decode((String, String).self) {
                roles[UserID(user)] = MemberRole(rawValue: role) ?? .member
            }
            return (ChatState(chatID: chatID, kind: kind, name: name, members: roles), version)
        }
    }

    public func messageByClientID(sender: UserID, clientMessageID: String) async throws -> MessageReference? {
        try await log.storage { db in
            for try await (messageID, chatID, position) in try await db.query(
                """
                SELECT m.message_id, m.chat_id, m.position FROM client_message_ids c
                JOIN messages m ON m.message_id = c.message_id
                WHERE c.sender_id = \(sender.rawValue) AND c.client_message_id = \(clientMessageID)
                """, logger: logger
            ).decode((String, String, Int64).self) {
                return MessageReference(
                    messageID: MessageID(messageID), chatID: ChatID(chatID), senderID: sender, position: position)
            }
            return nil
        }
    }

    public func messageTimestamp(_ id: MessageID) async throws -> String? {
        try await log.storage { db in
            for try await sentAt in try await db.query(
                "SELECT sent_at FROM messages WHERE message_id = \(id.rawValue)", logger: logger
            ).decode(String.self) {
                return sentAt
            }
            return nil
        }
    }

    public func message(_ id: MessageID) async throws -> MessageReference? {
        try await log.storage { db in try await message(id, on: db) }
    }

    private func message(_ id: MessageID, on db: PostgresConnection) async throws -> MessageReference? {
        for try await (chatID, senderID, position) in try await db.query(
            "SELECT chat_id, sender_id, position FROM messages WHERE message_id = \(id.rawValue)", logger: logger
        ).decode((String, String, Int64).self) {
            return MessageReference(
                messageID: id, chatID: ChatID(chatID), senderID: UserID(senderID), position: position)
        }
        return nil
    }

    public func currentMessage(_ id: MessageID) async throws -> CurrentMessage? {
        try await log.storage { db in
            for try await (chatID, senderID, position, content, editedAt, versionPosition, deleted)
                in try await db.query(
                    """
                    SELECT chat_id, sender_id, position, content, edited_at, coalesce(version_position, position), deleted
                    FROM messages WHERE message_id = \(id.rawValue)
                    """, logger: logger
                ).decode((String, String, Int64, String, String?, Int64, Bool).self)
            {
                return CurrentMessage(
                    reference: MessageReference(
                        messageID: id, chatID: ChatID(chatID), senderID: UserID(senderID), position: position),
                    content: content, editedAt: editedAt.flatMap(Timestamp.init(iso8601:)),
                    versionPosition: versionPosition, deleted: deleted)
            }
            return nil
        }
    }

    public func readMark(in chatID: ChatID, reader: UserID) async throws -> (
        newest: MessageReference?, watermark: Int64?
    ) {
        try await log.storage { db in
            var newest: MessageReference?
            var watermark: Int64?
            for try await (messageID, senderID, position, upTo) in try await db.query(
                """
                SELECT m.message_id, m.sender_id, m.position,
                    (SELECT up_to_position FROM read_watermarks WHERE chat_id = \(chatID.rawValue) AND user_id = \(reader.rawValue))
                FROM (SELECT 1) AS one LEFT JOIN LATERAL (
                    SELECT message_id, sender_id, position FROM messages
                    WHERE chat_id = \(chatID.rawValue) AND sender_id != \(reader.rawValue) AND NOT deleted
                    ORDER BY position DESC LIMIT 1) AS m ON true
                """, logger: logger
            ).decode((String?, String?, Int64?, Int64?).self) {
                if let messageID, let senderID, let position {
                    newest = MessageReference(
                        messageID: MessageID(messageID), chatID: chatID, senderID: UserID(senderID), position: position)
                }
                watermark = upTo
            }
            return (newest, watermark)
        }
    }

    public func watermark(chat chatID: ChatID, reader: UserID) async throws -> Int64? {
        try await log.storage { db in
            for try await position in try await db.query(
                "SELECT up_to_position FROM read_watermarks WHERE chat_id = \(chatID.rawValue) AND user_id = \(reader.rawValue)",
                logger: logger
            ).decode(Int64.self) {
                return position
            }
            return nil
        }
    }

    /// What ``messageViews(_:)`` decodes, in its order.
    private static let messageViewColumns =
        "m.chat_id, m.message_id, m.sender_id, u.username, m.content, m.sent_at, m.first_read_at, m.edited_at, m.deleted, m.erased, m.position"

    private func messageViews(_ rows: PostgresRowSequence) async throws -> [MessageView] {
        var views = [MessageView]()
        for try await row in rows {
            let (chat, id, sender, username, content, sentAt, readAt, editedAt, deleted, erased, position) =
                try row.decode(
                    (String, String, String, String, String, String, String?, String?, Bool, Bool, Int64).self)
            views.append(
                MessageView(
                    id: MessageID(id), chatID: ChatID(chat), senderID: UserID(sender), senderUsername: username,
                    content: content, timestamp: sentAt, readBy: [], readAt: readAt, editedAt: editedAt,
                    deleted: deleted, erased: erased, position: position))
        }
        return views
    }

    public func messages(in chatID: ChatID, before: MessageID?, limit: Int) async throws -> MessagePage {
        try await log.storage { db in
            var upperBound = Int64.max
            if let before {
                guard let reference = try await message(before, on: db), reference.chatID == chatID else {
                    throw ChatError.invalidRequest("before is not a message of this chat")
                }
                upperBound = reference.position
            }
            var newestFirst = try await messageViews(
                db.query(
                    """
                    SELECT \(unescaped: Self.messageViewColumns)
                    FROM messages m JOIN users u ON u.user_id = m.sender_id
                    WHERE m.chat_id = \(chatID.rawValue) AND m.position < \(upperBound) ORDER BY m.position DESC LIMIT \(limit + 1)
                    """, logger: logger))
            let hasMore = newestFirst.count > limit
            if hasMore { newestFirst.removeLast() }
            var page = Array(newestFirst.reversed())
            try await fillReadBy(&page, on: db)
            return MessagePage(messages: page, hasMore: hasMore)
        }
    }

    public func chats(of userID: UserID) async throws -> [ChatSummary] {
        try await log.storage { db in
            var rows = [(ChatID, ChatState.Kind, String?, String, Int64?, Int)]()
            for try await (chatID, kind, name, createdAt, lastPosition, unread) in try await db.query(
                """
                SELECT c.chat_id, c.kind, c.name, c.created_at, last.position, (
                    SELECT count(*) FROM messages WHERE chat_id = c.chat_id AND sender_id != \(userID.rawValue) AND NOT deleted
                        AND position > coalesce((SELECT up_to_position FROM read_watermarks
                            WHERE chat_id = c.chat_id AND user_id = \(userID.rawValue)), 0))
                FROM members mb JOIN chats c ON c.chat_id = mb.chat_id
                LEFT JOIN LATERAL (SELECT max(position) AS position FROM messages WHERE chat_id = c.chat_id) AS last ON true
                WHERE mb.user_id = \(userID.rawValue)
                ORDER BY coalesce(last.position, c.created_position) DESC
                """, logger: logger
            ).decode((String, String, String?, String, Int64?, Int64).self) {
                rows.append(
                    (
                        ChatID(chatID), ChatState.Kind(rawValue: kind) ?? .group, name, createdAt, lastPosition,
                        Int(unread)
                    ))
            }
            let chatIDs = rows.map(\.0.rawValue)
            let members = try await members(of: chatIDs, on: db)
            let withMessages = rows.filter { $0.4 != nil }
            var lastMessages = try await messageViews(
                db.query(
                    """
                    SELECT \(unescaped: Self.messageViewColumns)
                    FROM messages m JOIN users u ON u.user_id = m.sender_id
                    JOIN unnest(\(withMessages.map(\.0.rawValue))::text[], \(withMessages.map { $0.4! })::int8[])
                        AS last (chat_id, position) ON last.chat_id = m.chat_id AND last.position = m.position
                    """, logger: logger))
            try await fillReadBy(&lastMessages, on: db)
            let lastMessageByChat = Dictionary(
                lastMessages.map { ($0.chatID, $0) }, uniquingKeysWith: { first, _ in first })
            return rows.map { chatID, kind, name, createdAt, _, unread in
                let members = members[chatID] ?? []
                let displayName = kind == .direct ? (members.first { $0.id != userID }?.username ?? "") : (name ?? "")
                return ChatSummary(
                    id: chatID, kind: kind, name: displayName, members: members, createdAt: createdAt,
                    lastMessage: lastMessageByChat[chatID], unreadCount: unread)
            }
        }
    }

    /// The members of each chat with their usernames, admins first, then by username.
    private func members(of chatIDs: [String], on db: PostgresConnection) async throws -> [ChatID: [MemberProfile]] {
        var members = [ChatID: [MemberProfile]]()
        for try await (chat, id, username, role) in try await db.query(
            """
            SELECT mb.chat_id, mb.user_id, u.username, mb.role FROM members mb JOIN users u ON u.user_id = mb.user_id
            WHERE mb.chat_id = ANY(\(chatIDs)) ORDER BY mb.chat_id, mb.role = 'admin' DESC, u.username_key COLLATE "C"
            """, logger: logger
        ).decode((String, String, String, String).self) {
            members[ChatID(chat), default: []].append(
                MemberProfile(id: UserID(id), username: username, role: MemberRole(rawValue: role) ?? .member))
        }
        return members
    }

    /// Sets `readBy` from the chats' watermarks: a reader has read every message of a chat up
    /// to theirs.
    private func fillReadBy(_ messages: inout [MessageView], on db: PostgresConnection) async throws {
        guard let oldest = messages.map(\.position).min() else { return }
        var watermarks = [ChatID: [(UserID, Int64)]]()
        for try await (chat, user, upTo) in try await db.query(
            """
            SELECT chat_id, user_id, up_to_position FROM read_watermarks
            WHERE chat_id = ANY(\(Array(Set(messages.map(\.chatID.rawValue))))) AND up_to_position >= \(oldest)
            ORDER BY user_id COLLATE "C"
            """, logger: logger
        ).decode((String, String, Int64).self) {
            watermarks[ChatID(chat), default: []].append((UserID(user), upTo))
        }
        guard !watermarks.isEmpty else { return }
        for index in messages.indices {
            let message = messages[index]
            messages[index].readBy = (watermarks[message.chatID] ?? []).compactMap { reader, upTo in
                reader != message.senderID && upTo >= message.position ? reader : nil
            }
        }
    }

    public func membershipSnapshot() async throws -> MembershipSnapshot {
        try await log.storage { db in
            // One snapshot for every statement, so membership and the checkpoint agree.
            try await db.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger) {
                let position =
                    try await db.firstInt64(
                        "SELECT position FROM projection_checkpoints WHERE name = 'chat_read_model'", logger: logger)
                    ?? 0
                var chats = [ChatID: ChatState]()
                var createdAt = [ChatID: String]()
                for try await (id, kind, name, created) in try await db.query(
                    "SELECT chat_id, kind, name, created_at FROM chats", logger: logger
                ).decode((String, String, String?, String).self) {
                    chats[ChatID(id)] = ChatState(
                        chatID: ChatID(id), kind: ChatState.Kind(rawValue: kind) ?? .group, name: name, members: [:])
                    createdAt[ChatID(id)] = created
                }
                for try await (chat, user, role) in try await db.query(
                    "SELECT chat_id, user_id, role FROM members", logger: logger
                ).decode((String, String, String).self) {
                    chats[ChatID(chat)]?.members[UserID(user)] = MemberRole(rawValue: role) ?? .member
                }
                var usernames = [UserID: String]()
                for try await (id, username) in try await db.query(
                    "SELECT user_id, username FROM users", logger: logger
                ).decode((String, String).self) {
                    usernames[UserID(id)] = username
                }
                return MembershipSnapshot(position: position, chats: chats, createdAt: createdAt, usernames: usernames)
            }
        }
    }
}
