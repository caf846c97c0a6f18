import ChatDomain
public import EventStore
public import Keyring
public import Logging
public import PostgresNIO
import Projections

/// The chat read model in PostgreSQL, kept by the append transactions of every gateway:
/// the same tables and rules as the SQLite projection (``ChatProjection``), in
/// PostgreSQL's SQL.
///
/// Consecutive messages go in with one statement, whatever their number: messages are most
/// of the log, and each statement is a round trip made under the head lock.
public struct PostgresChatProjection: PostgresInlineProjection {
    static let checkpointName = "chat_read_model"

    /// Opens sealed text; without it (or without a user's key) that text reads as erased.
    let opener: (any TextSealer)?
    /// Forgets an erased user's key in this process.
    let keyring: Keyring?

    public init(keyring: Keyring?) {
        self.opener = keyring
        self.keyring = keyring
    }

    public func checkpoint(on connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        try await connection.firstInt64(
            "SELECT position FROM projection_checkpoints WHERE name = \(Self.checkpointName)", logger: logger) ?? 0
    }

    public func prepare(toApply events: [RecordedEvent], on connection: PostgresConnection, logger: Logger)
        async throws
    {
        try await keyring?.prefetchKeys(for: events) { users in
            try await PostgresUserKeyStore.keys(
                connection.query(
                    "SELECT user_id, wrapped_key FROM user_keys WHERE user_id = ANY(\(users.map(\.rawValue)))",
                    logger: logger))
        }
    }

    /// Applies `events`, which come after the checkpoint (the log appends under the head
    /// lock, and catch-up reads from the checkpoint), and advances it.
    public func apply(_ events: [RecordedEvent], on connection: PostgresConnection, logger: Logger) async throws {
        guard let last = events.last else { return }
        var messages = MessageBatch()
        for recorded in events {
            let event = try ChatEvent(
                type: recorded.type, schemaVersion: recorded.schemaVersion, data: recorded.data, opener: opener)
            if case .messageSent(let sent) = event {
                messages.add(sent, at: recorded.position)
                continue
            }
            try await messages.flush(on: connection, logger: logger)
            try await apply(event, at: recorded.position, on: connection, logger: logger)
        }
        if messages.isEmpty {
            try await connection.run(
                "UPDATE projection_checkpoints SET position = \(last.position) WHERE name = \(Self.checkpointName)",
                logger: logger)
        } else {
            // Most batches end with messages: their statement advances the checkpoint too.
            try await messages.flush(on: connection, checkpoint: last.position, logger: logger)
        }
    }

    /// New messages only (most batches) can be written into the append's statement;
    /// anything else is applied in a transaction by ``apply(_:on:logger:)``.
    public func writeApplying(
        _ events: [NewEvent], at positions: AppendedPositions, into statement: inout StatementBuilder
    ) -> Bool {
        guard !events.isEmpty else { return false }
        var messages = MessageBatch()
        for (index, event) in events.enumerated() {
            guard event.type == ChatEvent.Kind.messageSent.rawValue,
                case .messageSent(let sent)? = try? ChatEvent(
                    type: event.type, schemaVersion: event.schemaVersion, data: event.data, opener: opener)
            else { return false }
            // Positions the server assigns are joined in by index; these are not used then.
            if case .assigned(let assigned, _) = positions {
                messages.add(sent, at: assigned[index])
            } else {
                messages.add(sent, at: 0)
            }
        }
        switch positions {
        case .assigned(let assigned, let condition):
            messages.write(when: condition, checkpoint: assigned.last, into: &statement)
        case .inRelation(let appended):
            messages.write(positionsFrom: appended, into: &statement)
        }
        return true
    }

    public func absorbForeign(_ events: [RecordedEvent]) {
        for recorded in events where recorded.type == ChatEvent.Kind.userErased.rawValue {
            if case .userErased(let erased) = try? ChatEvent(
                type: recorded.type, schemaVersion: recorded.schemaVersion, data: recorded.data)
            {
                keyring?.forget(erased.userID)
            }
        }
    }

    private func apply(_ event: ChatEvent, at position: Int64, on db: PostgresConnection, logger: Logger) async throws {
        switch event {
        case .userRegistered(let registered):
            // An account whose name cannot be read cannot log in: it keeps no password.
            let password =
                registered.isErased ? "" : String(decoding: try JSONCoding.encode(registered.password), as: UTF8.self)
            try await db.run(
                """
                INSERT INTO users (user_id, username, username_key, password, registered_at, erased)
                VALUES (\(registered.userID.rawValue), \(registered.username), \(Validation.usernameKey(registered.username)),
                    \(password), \(registered.registeredAt.iso8601), \(registered.isErased))
                """, logger: logger)

        case .sessionStarted(let started):
            try await db.run(
                """
                INSERT INTO sessions (token_hash, user_id, started_at, expires_at)
                VALUES (\(started.tokenHash), \(started.userID.rawValue), \(started.startedAt.iso8601),
                    \(started.expiresAt.millisecondsSinceEpoch))
                """, logger: logger)

        case .sessionEnded(let ended):
            try await db.run(
                "UPDATE sessions SET ended_at = \(ended.endedAt.iso8601) WHERE token_hash = \(ended.tokenHash) AND ended_at IS NULL",
                logger: logger)

        case .directChatCreated(let created):
            try await insertChat(
                created.chatID, kind: "direct", name: nil, by: created.createdBy, at: created.createdAt,
                members: created.participants.map { ($0, MemberRole.member) }, position: position, on: db,
                logger: logger)

        case .groupCreated(let created):
            try await insertChat(
                created.chatID, kind: "group", name: created.name, by: created.createdBy, at: created.createdAt,
                members: created.members.map { ($0.userID, $0.role) }, position: position, on: db, logger: logger)

        case .memberAdded(let added):
            try await db.run(
                """
                INSERT INTO members (chat_id, user_id, role, joined_position)
                VALUES (\(added.chatID.rawValue), \(added.userID.rawValue), \(added.role.rawValue), \(position))
                ON CONFLICT DO NOTHING
                """, logger: logger)

        case .memberRemoved(let removed):
            try await db.run(
                "DELETE FROM members WHERE chat_id = \(removed.chatID.rawValue) AND user_id = \(removed.userID.rawValue)",
                logger: logger)

        case .messageSent(let sent):
            var single = MessageBatch()
            single.add(sent, at: position)
            try await single.flush(on: db, logger: logger)

        case .messagesRead(let read):
            try await advanceWatermark(read, on: db, logger: logger)

        case .messageEdited(let edited):
            // An edit after a deletion (decisions refuse it; an imported log may hold one) changes nothing.
            let found = try await exists(
                db.query(
                    """
                    WITH edited AS (
                        UPDATE messages SET content = \(edited.content), edited_at = \(edited.editedAt.iso8601),
                            version_position = \(position), erased = \(edited.isErased)
                        WHERE message_id = \(edited.messageID.rawValue) AND chat_id = \(edited.chatID.rawValue) AND NOT deleted)
                    SELECT 1 FROM messages WHERE message_id = \(edited.messageID.rawValue) AND chat_id = \(edited.chatID.rawValue)
                    """, logger: logger))
            guard found else { throw ProjectionError.unknownMessage(edited.messageID) }

        case .messageDeleted(let deleted):
            // A tombstone keeps no text: the log has every version for audit.
            let found = try await exists(
                db.query(
                    """
                    UPDATE messages SET content = '', deleted = true
                    WHERE message_id = \(deleted.messageID.rawValue) AND chat_id = \(deleted.chatID.rawValue) RETURNING 1
                    """, logger: logger))
            guard found else { throw ProjectionError.unknownMessage(deleted.messageID) }

        case .userErased(let erased):
            try await erase(erased, on: db, logger: logger)
        }
    }

    private func exists(_ rows: PostgresRowSequence) async throws -> Bool {
        var found = false
        for try await _ in rows { found = true }
        return found
    }

    private func insertChat(
        _ chatID: ChatID, kind: String, name: String?, by creator: UserID, at createdAt: Timestamp,
        members: [(UserID, MemberRole)], position: Int64, on db: PostgresConnection, logger: Logger
    ) async throws {
        try await db.run(
            """
            WITH chat AS (
                INSERT INTO chats (chat_id, kind, name, created_by, created_at, created_position)
                VALUES (\(chatID.rawValue), \(kind), \(name), \(creator.rawValue), \(createdAt.iso8601), \(position)))
            INSERT INTO members (chat_id, user_id, role, joined_position)
            SELECT \(chatID.rawValue), user_id, role, \(position)
            FROM unnest(\(members.map(\.0.rawValue))::text[], \(members.map(\.1.rawValue))::text[]) AS m (user_id, role)
            ON CONFLICT DO NOTHING
            """, logger: logger)
    }

    /// The watermark moves forward only; `read_at` of a message is when its first reader
    /// read it, and never changes after.
    private func advanceWatermark(_ read: MessagesRead, on db: PostgresConnection, logger: Logger) async throws {
        let chat = read.chatID.rawValue
        let reader = read.readerID.rawValue
        let found = try await exists(
            db.query(
                """
                WITH target AS (
                    SELECT position FROM messages WHERE message_id = \(read.upToMessageID.rawValue) AND chat_id = \(chat)),
                previous AS (
                    SELECT coalesce((SELECT up_to_position FROM read_watermarks WHERE chat_id = \(chat) AND user_id = \(reader)), 0) AS position),
                moved AS (
                    INSERT INTO read_watermarks (chat_id, user_id, up_to_position, up_to_message_id, read_at)
                    SELECT \(chat), \(reader), target.position, \(read.upToMessageID.rawValue), \(read.readAt.iso8601)
                    FROM target, previous WHERE target.position > previous.position
                    ON CONFLICT (chat_id, user_id) DO UPDATE SET up_to_position = excluded.up_to_position,
                        up_to_message_id = excluded.up_to_message_id, read_at = excluded.read_at
                    RETURNING up_to_position),
                marked AS (
                    UPDATE messages SET first_read_at = \(read.readAt.iso8601) FROM previous, moved
                    WHERE chat_id = \(chat) AND messages.position > previous.position
                        AND messages.position <= moved.up_to_position AND sender_id != \(reader) AND first_read_at IS NULL)
                SELECT 1 FROM target
                """, logger: logger))
        guard found else { throw ProjectionError.unknownMessage(read.upToMessageID) }
    }

    /// The user's name becomes the placeholder, their text empty, their sessions ended, and
    /// their key is destroyed — all in the transaction that records the erasure.
    private func erase(_ erased: UserErased, on db: PostgresConnection, logger: Logger) async throws {
        let id = erased.userID.rawValue
        let placeholder = ErasedUser.placeholderName(for: erased.userID)
        try await db.run(
            """
            WITH renamed AS (
                UPDATE users SET username = \(placeholder), username_key = \(Validation.usernameKey(placeholder)),
                    password = '', erased = true WHERE user_id = \(id)),
            emptied AS (UPDATE messages SET content = '', erased = true WHERE sender_id = \(id)),
            ended AS (UPDATE sessions SET ended_at = \(erased.erasedAt.iso8601) WHERE user_id = \(id) AND ended_at IS NULL)
            DELETE FROM user_keys WHERE user_id = \(id)
            """, logger: logger)
        keyring?.forget(erased.userID)
    }
}

/// Consecutive `message_sent` events, inserted with their client message ids in one statement.
struct MessageBatch {
    var positions: [Int64] = []
    var messageIDs: [String] = []
    var chatIDs: [String] = []
    var senderIDs: [String] = []
    var contents: [String] = []
    var clientMessageIDs: [String] = []
    var hasClientMessageID: [Bool] = []
    var sentAt: [String] = []
    var erased: [Bool] = []

    mutating func add(_ sent: MessageSent, at position: Int64) {
        positions.append(position)
        messageIDs.append(sent.messageID.rawValue)
        chatIDs.append(sent.chatID.rawValue)
        senderIDs.append(sent.senderID.rawValue)
        contents.append(sent.content)
        clientMessageIDs.append(sent.clientMessageID ?? "")
        hasClientMessageID.append(sent.clientMessageID != nil)
        sentAt.append(sent.sentAt.iso8601)
        erased.append(sent.isErased)
    }

    var isEmpty: Bool { positions.isEmpty }

    /// Inserts the messages gathered, in the caller's transaction, and empties the batch.
    ///
    /// - Parameter checkpoint: also moves the projection's checkpoint there.
    mutating func flush(on db: PostgresConnection, checkpoint: Int64? = nil, logger: Logger) async throws {
        guard !positions.isEmpty else { return }
        var statement = StatementBuilder()
        write(checkpoint: checkpoint, into: &statement)
        statement.append(" SELECT 1")
        try await db.run(statement.query, logger: logger)
        self = MessageBatch()
    }

    /// Writes the inserts of the messages gathered, and the checkpoint's move, as common
    /// table expressions of `statement`, done only when `condition` (SQL) holds.
    func write(when condition: String = "true", checkpoint: Int64?, into statement: inout StatementBuilder) {
        let positions = statement.bind(positions)
        let columns = bindColumns(into: &statement)
        statement.addCommonTableExpression(
            "message_batch",
            """
            SELECT * FROM unnest(\(positions)::int8[], \(columns))
            AS b (position, \(Self.columnNames))
            WHERE \(condition)
            """)
        writeInserts(into: &statement)
        guard let checkpoint else { return }
        let position = statement.bind(checkpoint)
        let name = statement.bind(PostgresChatProjection.checkpointName)
        statement.addCommonTableExpression(
            "checkpointed",
            "UPDATE projection_checkpoints SET position = \(position) WHERE name = \(name) AND \(condition)")
    }

    /// The same for messages whose positions the statement assigns: `appended` is a relation
    /// with the `event_index` (1-based, in the order the messages were added) and the
    /// `event_position` of each one appended; those of a refused append are not in it.
    func write(positionsFrom appended: String, into statement: inout StatementBuilder) {
        let columns = bindColumns(into: &statement)
        statement.addCommonTableExpression(
            "message_rows",
            "SELECT * FROM unnest(\(columns)) WITH ORDINALITY AS r (\(Self.columnNames), event_index)")
        statement.addCommonTableExpression(
            "message_batch",
            """
            SELECT a.event_position AS position, r.*
            FROM \(appended) AS a JOIN message_rows AS r ON r.event_index = a.event_index
            """)
        writeInserts(into: &statement)
        let name = statement.bind(PostgresChatProjection.checkpointName)
        statement.addCommonTableExpression(
            "checkpointed",
            """
            UPDATE projection_checkpoints SET position = (SELECT max(position) FROM message_batch)
            WHERE name = \(name) AND EXISTS (SELECT FROM message_batch)
            """)
    }

    private static let columnNames =
        "message_id, chat_id, sender_id, content, client_message_id, has_client_id, sent_at, erased"

    /// Binds every column but the position, in the order of ``columnNames``: their casts, for `unnest`.
    private func bindColumns(into statement: inout StatementBuilder) -> String {
        let messageIDs = statement.bind(messageIDs)
        let chatIDs = statement.bind(chatIDs)
        let senderIDs = statement.bind(senderIDs)
        let contents = statement.bind(contents)
        let clientMessageIDs = statement.bind(clientMessageIDs)
        let hasClientMessageID = statement.bind(hasClientMessageID)
        let sentAt = statement.bind(sentAt)
        let erased = statement.bind(erased)
        return "\(messageIDs)::text[], \(chatIDs)::text[], \(senderIDs)::text[], \(contents)::text[], "
            + "\(clientMessageIDs)::text[], \(hasClientMessageID)::bool[], \(sentAt)::text[], \(erased)::bool[]"
    }

    /// The messages and their client ids, from `message_batch`. The client id's primary key
    /// makes a second message with the same key from the same sender fail.
    private func writeInserts(into statement: inout StatementBuilder) {
        statement.addCommonTableExpression(
            "messages_inserted",
            """
            INSERT INTO messages (position, message_id, chat_id, sender_id, content, client_message_id, sent_at, erased)
            SELECT position, message_id, chat_id, sender_id, content,
                CASE WHEN has_client_id THEN client_message_id END, sent_at, erased
            FROM message_batch
            """)
        statement.addCommonTableExpression(
            "client_ids_inserted",
            """
            INSERT INTO client_message_ids (sender_id, client_message_id, message_id)
            SELECT sender_id, client_message_id, message_id FROM message_batch WHERE has_client_id
            """)
    }
}
