public import ChatDomain
public import EventStore

/// Every read the protocol needs, as synchronous queries on one connection.
///
/// Callers run these on a reader connection (see ``SQLiteEventLog/withReader(_:)``), or on
/// the writer when a decision must see its own batch.
public enum ReadModelQueries {
    static let tables = ReadModelTables.live

    /// The account for `login`, by case-insensitive username.
    public static func account(usernameKey: String, on db: SQLiteConnection) throws -> Account? {
        let statement = try db.cachedStatement(
            "SELECT user_id, username, password FROM users WHERE username_key = ? AND erased = 0")
        statement.bind(1, usernameKey)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return Account(
            userID: UserID(statement.string(0)), username: statement.string(1),
            password: try JSONCoding.decode(PasswordHash.self, from: statement.bytes(2)))
    }

    public static func user(_ id: UserID, on db: SQLiteConnection) throws -> UserProfile? {
        let statement = try db.cachedStatement("SELECT username FROM users WHERE user_id = ?")
        statement.bind(1, id.rawValue)
        defer { statement.reset() }
        return try statement.step() ? UserProfile(id: id, username: statement.string(0)) : nil
    }

    /// How many messages `sender` has sent, deleted ones included.
    public static func messageCount(sentBy sender: UserID, on db: SQLiteConnection) throws -> Int64 {
        let statement = try db.cachedStatement("SELECT count(*) FROM messages WHERE sender_id = ?")
        statement.bind(1, sender.rawValue)
        defer { statement.reset() }
        _ = try statement.step()
        return statement.int64(0)
    }

    /// Whether `id` is a registered user who has not been erased.
    public static func isActiveUser(_ id: UserID, on db: SQLiteConnection) throws -> Bool {
        let statement = try db.cachedStatement("SELECT erased FROM users WHERE user_id = ?")
        statement.bind(1, id.rawValue)
        defer { statement.reset() }
        return try statement.step() && statement.int64(0) == 0
    }

    /// The subset of `ids` that are not registered users.
    public static func unknownUsers(_ ids: [UserID], on db: SQLiteConnection) throws -> Set<UserID> {
        var unknown = Set<UserID>()
        for id in ids where try user(id, on: db) == nil { unknown.insert(id) }
        return unknown
    }

    /// The session of a token hash, for `auth` and `logout`.
    public static func session(tokenHash: String, on db: SQLiteConnection) throws -> SessionRecord? {
        let statement = try db.cachedStatement(
            """
            SELECT s.user_id, u.username, s.expires_at, s.ended_at IS NOT NULL
            FROM sessions s JOIN users u ON u.user_id = s.user_id WHERE s.token_hash = ?
            """)
        statement.bind(1, tokenHash)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return SessionRecord(
            userID: UserID(statement.string(0)), username: statement.string(1), tokenHash: tokenHash,
            expiresAt: Timestamp(millisecondsSinceEpoch: statement.int64(2)), ended: statement.int64(3) != 0)
    }

    /// Users whose username contains `query` (case-insensitively), by username.
    public static func searchUsers(query: String?, limit: Int, on db: SQLiteConnection) throws -> [UserProfile] {
        let statement = try db.cachedStatement(
            "SELECT user_id, username FROM users WHERE instr(username_key, ?) > 0 ORDER BY username_key LIMIT ?")
        statement.bind(1, Validation.usernameKey(query ?? ""))
        statement.bind(2, limit)
        defer { statement.reset() }
        var users = [UserProfile]()
        while try statement.step() {
            users.append(UserProfile(id: UserID(statement.string(0)), username: statement.string(1)))
        }
        return users
    }

    /// A chat's membership state, as decisions need it, with the chat stream's version to
    /// append against.
    public static func chatState(_ chatID: ChatID, on db: SQLiteConnection) throws -> (
        state: ChatState, streamVersion: Int64
    )? {
        let chat = try db.cachedStatement(
            "SELECT kind, name, (SELECT max(stream_version) FROM events WHERE stream_id = ?2) FROM chats WHERE chat_id = ?1"
        )
        chat.bind(1, chatID.rawValue)
        chat.bind(2, StreamName.chat(chatID))
        guard try chat.step() else {
            chat.reset()
            return nil
        }
        let kind = ChatState.Kind(rawValue: chat.string(0)) ?? .group
        let name = chat.optionalString(1)
        let version = chat.int64(2)
        chat.reset()
        let members = try db.cachedStatement("SELECT user_id, role FROM members WHERE chat_id = ?")
        members.bind(1, chatID.rawValue)
        defer { members.reset() }
        var roles = [UserID: MemberRole]()
        while try members.step() {
            roles[UserID(members.string(0))] = MemberRole(rawValue: members.string(1)) ?? .member
        }
        return (ChatState(chatID: chatID, kind: kind, name: name, members: roles), version)
    }

    /// The sender's earlier message with `clientMessageID`, for idempotent sends.
    public static func messageByClientID(sender: UserID, clientMessageID: String, on db: SQLiteConnection) throws
        -> MessageReference?
    {
        let statement = try db.cachedStatement(
            """
            SELECT m.message_id, m.chat_id, m.position FROM client_message_ids c
            JOIN messages m ON m.message_id = c.message_id WHERE c.sender_id = ? AND c.client_message_id = ?
            """)
        statement.bind(1, sender.rawValue)
        statement.bind(2, clientMessageID)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return MessageReference(
            messageID: MessageID(statement.string(0)), chatID: ChatID(statement.string(1)), senderID: sender,
            position: statement.int64(2))
    }

    /// The stored timestamp of a message, as clients see it.
    public static func messageTimestamp(_ id: MessageID, on db: SQLiteConnection) throws -> String? {
        let statement = try db.cachedStatement("SELECT sent_at FROM messages WHERE message_id = ?")
        statement.bind(1, id.rawValue)
        defer { statement.reset() }
        return try statement.step() ? statement.string(0) : nil
    }

    public static func message(_ id: MessageID, on db: SQLiteConnection) throws -> MessageReference? {
        let statement = try db.cachedStatement("SELECT chat_id, sender_id, position FROM messages WHERE message_id = ?")
        statement.bind(1, id.rawValue)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return MessageReference(
            messageID: id, chatID: ChatID(statement.string(0)), senderID: UserID(statement.string(1)),
            position: statement.int64(2))
    }

    /// The newest message of a chat not sent by `reader` and not deleted: what `get_messages`
    /// marks read.
    public static func newestMessage(in chatID: ChatID, notSentBy reader: UserID, on db: SQLiteConnection) throws
        -> MessageReference?
    {
        let statement = try db.cachedStatement(
            "SELECT message_id, sender_id, position FROM messages WHERE chat_id = ? AND sender_id != ? AND deleted = 0 ORDER BY position DESC LIMIT 1"
        )
        statement.bind(1, chatID.rawValue)
        statement.bind(2, reader.rawValue)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return MessageReference(
            messageID: MessageID(statement.string(0)), chatID: chatID, senderID: UserID(statement.string(1)),
            position: statement.int64(2))
    }

    /// The position `reader` has read up to in a chat.
    public static func watermark(chat chatID: ChatID, reader: UserID, on db: SQLiteConnection) throws -> Int64? {
        let statement = try db.cachedStatement(
            "SELECT up_to_position FROM read_watermarks WHERE chat_id = ? AND user_id = ?")
        statement.bind(1, chatID.rawValue)
        statement.bind(2, reader.rawValue)
        defer { statement.reset() }
        return try statement.step() ? statement.int64(0) : nil
    }

    /// `get_messages`: up to `limit` messages before `before` (or the newest), oldest first.
    ///
    /// - Throws: ``ChatError`` `invalid_request` when `before` is not a message of the chat.
    public static func messages(in chatID: ChatID, before: MessageID?, limit: Int, on db: SQLiteConnection) throws
        -> MessagePage
    {
        var upperBound = Int64.max
        if let before {
            guard let reference = try message(before, on: db), reference.chatID == chatID else {
                throw ChatError.invalidRequest("before is not a message of this chat")
            }
            upperBound = reference.position
        }
        let statement = try db.cachedStatement(
            """
            SELECT \(messageViewColumns), m.position
            FROM messages m JOIN users u ON u.user_id = m.sender_id
            WHERE m.chat_id = ? AND m.position < ? ORDER BY m.position DESC LIMIT ?
            """)
        statement.bind(1, chatID.rawValue)
        statement.bind(2, upperBound)
        statement.bind(3, limit + 1)
        var newestFirst = [MessageView]()
        while try statement.step() {
            newestFirst.append(messageView(statement, chatID: chatID, position: statement.int64(9)))
        }
        statement.reset()
        let hasMore = newestFirst.count > limit
        if hasMore { newestFirst.removeLast() }
        var page = Array(newestFirst.reversed())
        try fillReadBy(&page, chatID: chatID, on: db)
        return MessagePage(messages: page, hasMore: hasMore)
    }

    /// `get_user_chats`: the user's chats, most recent activity first.
    public static func chats(of userID: UserID, on db: SQLiteConnection) throws -> [ChatSummary] {
        let statement = try db.cachedStatement(
            """
            SELECT chat_id, kind, name, created_at, last_message_position FROM (
                SELECT c.chat_id, c.kind, c.name, c.created_at, c.created_position,
                    (SELECT max(m.position) FROM messages m WHERE m.chat_id = c.chat_id) AS last_message_position
                FROM members mb JOIN chats c ON c.chat_id = mb.chat_id WHERE mb.user_id = ?)
            ORDER BY coalesce(last_message_position, created_position) DESC
            """)
        statement.bind(1, userID.rawValue)
        var rows = [(ChatID, ChatState.Kind, String?, String, Int64?)]()
        while try statement.step() {
            rows.append(
                (
                    ChatID(statement.string(0)), ChatState.Kind(rawValue: statement.string(1)) ?? .group,
                    statement.optionalString(2), statement.string(3), statement.optionalInt64(4)
                ))
        }
        statement.reset()
        return try rows.map { chatID, kind, name, createdAt, lastMessagePosition in
            let members = try members(of: chatID, on: db)
            let displayName =
                kind == .direct ? (members.first { $0.id != userID }?.username ?? "") : (name ?? "")
            var lastMessage: MessageView?
            if let lastMessagePosition {
                var single = [try messageView(at: lastMessagePosition, chatID: chatID, on: db)]
                try fillReadBy(&single, chatID: chatID, on: db)
                lastMessage = single.first
            }
            return ChatSummary(
                id: chatID, kind: kind, name: displayName, members: members, createdAt: createdAt,
                lastMessage: lastMessage,
                unreadCount: try unreadCount(chatID, userID: userID, on: db))
        }
    }

    /// The members of a chat with their usernames, admins first, then by username.
    public static func members(of chatID: ChatID, on db: SQLiteConnection) throws -> [MemberProfile] {
        let statement = try db.cachedStatement(
            """
            SELECT mb.user_id, u.username, mb.role FROM members mb JOIN users u ON u.user_id = mb.user_id
            WHERE mb.chat_id = ? ORDER BY mb.role = 'admin' DESC, u.username_key
            """)
        statement.bind(1, chatID.rawValue)
        defer { statement.reset() }
        var members = [MemberProfile]()
        while try statement.step() {
            members.append(
                MemberProfile(
                    id: UserID(statement.string(0)), username: statement.string(1),
                    role: MemberRole(rawValue: statement.string(2)) ?? .member))
        }
        return members
    }

    /// Messages after the user's watermark that others sent and did not delete.
    public static func unreadCount(_ chatID: ChatID, userID: UserID, on db: SQLiteConnection) throws -> Int {
        let statement = try db.cachedStatement(
            """
            SELECT count(*) FROM messages WHERE chat_id = ?1 AND sender_id != ?2 AND deleted = 0 AND position >
                coalesce((SELECT up_to_position FROM read_watermarks WHERE chat_id = ?1 AND user_id = ?2), 0)
            """)
        statement.bind(1, chatID.rawValue)
        statement.bind(2, userID.rawValue)
        defer { statement.reset() }
        _ = try statement.step()
        return statement.int(0)
    }

    static func messageView(at position: Int64, chatID: ChatID, on db: SQLiteConnection) throws -> MessageView {
        let statement = try db.cachedStatement(
            """
            SELECT \(messageViewColumns)
            FROM messages m JOIN users u ON u.user_id = m.sender_id WHERE m.chat_id = ? AND m.position = ?
            """)
        statement.bind(1, chatID.rawValue)
        statement.bind(2, position)
        defer { statement.reset() }
        _ = try statement.step()
        return messageView(statement, chatID: chatID, position: position)
    }

    /// What ``messageView(_:chatID:position:)`` reads, in its order.
    static let messageViewColumns =
        "m.message_id, m.sender_id, u.username, m.content, m.sent_at, m.first_read_at, m.edited_at, m.deleted, m.erased"

    static func messageView(_ row: SQLiteStatement, chatID: ChatID, position: Int64) -> MessageView {
        MessageView(
            id: MessageID(row.string(0)), chatID: chatID, senderID: UserID(row.string(1)),
            senderUsername: row.string(2), content: row.string(3), timestamp: row.string(4), readBy: [],
            readAt: row.optionalString(5), editedAt: row.optionalString(6), deleted: row.int64(7) != 0,
            erased: row.int64(8) != 0, position: position)
    }

    /// A message's current version, for `edit_message` and `delete_message`.
    public static func currentMessage(_ id: MessageID, on db: SQLiteConnection) throws -> CurrentMessage? {
        let statement = try db.cachedStatement(
            """
            SELECT chat_id, sender_id, position, content, edited_at, coalesce(version_position, position), deleted
            FROM messages WHERE message_id = ?
            """)
        statement.bind(1, id.rawValue)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return CurrentMessage(
            reference: MessageReference(
                messageID: id, chatID: ChatID(statement.string(0)), senderID: UserID(statement.string(1)),
                position: statement.int64(2)),
            content: statement.string(3), editedAt: statement.optionalString(4).flatMap(Timestamp.init(iso8601:)),
            versionPosition: statement.int64(5), deleted: statement.int64(6) != 0)
    }

    /// Sets `readBy` from the chat's watermarks: a reader has read every message up to theirs.
    static func fillReadBy(_ messages: inout [MessageView], chatID: ChatID, on db: SQLiteConnection) throws {
        guard !messages.isEmpty else { return }
        let statement = try db.cachedStatement(
            "SELECT user_id, up_to_position FROM read_watermarks WHERE chat_id = ? AND up_to_position >= ? ORDER BY user_id"
        )
        statement.bind(1, chatID.rawValue)
        statement.bind(2, messages[0].position)
        defer { statement.reset() }
        var watermarks = [(UserID, Int64)]()
        while try statement.step() { watermarks.append((UserID(statement.string(0)), statement.int64(1))) }
        guard !watermarks.isEmpty else { return }
        for index in messages.indices {
            let message = messages[index]
            messages[index].readBy = watermarks.compactMap { reader, upTo in
                reader != message.senderID && upTo >= message.position ? reader : nil
            }
        }
    }

    /// Membership and usernames in one read transaction, with the checkpoint they reflect.
    public static func membershipSnapshot(on db: SQLiteConnection) throws -> MembershipSnapshot {
        try db.execute("BEGIN")
        defer { try? db.execute("COMMIT") }
        let position =
            try db.scalarInt64("SELECT position FROM projection_checkpoints WHERE name = 'chat_read_model'") ?? 0
        var chats = [ChatID: ChatState]()
        var createdAt = [ChatID: String]()
        let chatRows = try db.prepare("SELECT chat_id, kind, name, created_at FROM chats")
        while try chatRows.step() {
            let id = ChatID(chatRows.string(0))
            chats[id] = ChatState(
                chatID: id, kind: ChatState.Kind(rawValue: chatRows.string(1)) ?? .group,
                name: chatRows.optionalString(2), members: [:])
            createdAt[id] = chatRows.string(3)
        }
        let memberRows = try db.prepare("SELECT chat_id, user_id, role FROM members")
        while try memberRows.step() {
            chats[ChatID(memberRows.string(0))]?.members[UserID(memberRows.string(1))] =
                MemberRole(rawValue: memberRows.string(2)) ?? .member
        }
        var usernames = [UserID: String]()
        let userRows = try db.prepare("SELECT user_id, username FROM users")
        while try userRows.step() { usernames[UserID(userRows.string(0))] = userRows.string(1) }
        return MembershipSnapshot(position: position, chats: chats, createdAt: createdAt, usernames: usernames)
    }
}
