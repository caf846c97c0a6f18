public import ChatDomain
public import EventStore
public import Keyring

/// Builds the chat read model (users, sessions, chats, members, messages, read watermarks,
/// client message ids) from the log.
///
/// Its checkpoint is written with its rows in the caller's transaction, and events at or
/// before the checkpoint are skipped, so each event is applied exactly once whether it
/// arrives live, on catch-up after a restart, or in a rebuild.
public struct ChatProjection: InlineProjection {
    /// The checkpoint row's name.
    static let checkpointName = "chat_read_model"

    public let tables: ReadModelTables
    /// The statements' text, built once: they are looked up per event.
    let sql: ProjectionSQL
    /// Opens sealed text; without it (or without a user's key) that text reads as erased.
    let opener: (any TextSealer)?
    /// Forgets an erased user's key in this process.
    let keyring: Keyring?

    public init(tables: ReadModelTables = .live, keyring: Keyring? = nil) {
        self.tables = tables
        self.sql = ProjectionSQL(tables)
        self.opener = keyring
        self.keyring = keyring
    }

    /// A projection that opens text with another sealer (to measure what the keyring costs).
    public init(tables: ReadModelTables = .live, opener: any TextSealer) {
        self.tables = tables
        self.sql = ProjectionSQL(tables)
        self.opener = opener
        self.keyring = nil
    }

    /// Creates the tables and indexes in one transaction, unless they exist: after a rebuild
    /// the live indexes carry the rebuild's names, and must not be duplicated.
    public func prepareSchema(on connection: SQLiteConnection) throws {
        try UserKeyTable.create(on: connection)
        let existing = try connection.scalarInt64(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '\(tables.checkpoints)'")
        guard existing == 0 else { return try addMissingColumns(on: connection) }
        try connection.transaction { try connection.execute(tables.createSQL) }
    }

    private func addMissingColumns(on connection: SQLiteConnection) throws {
        try connection.transaction {
            for added in ReadModelTables.addedColumns {
                let table = tables.prefix + added.table
                let present = try connection.scalarInt64(
                    "SELECT count(*) FROM pragma_table_info('\(table)') WHERE name = '\(added.column)'")
                if present == 0 {
                    try connection.execute("ALTER TABLE \(table) ADD COLUMN \(added.column) \(added.definition)")
                }
            }
        }
    }

    public func checkpoint(on connection: SQLiteConnection) throws -> Int64 {
        let statement = try connection.cachedStatement(sql.selectCheckpoint)
        statement.bind(1, Self.checkpointName)
        defer { statement.reset() }
        return try statement.step() ? statement.int64(0) : 0
    }

    public func apply(_ events: [RecordedEvent], on connection: SQLiteConnection) throws {
        try apply(
            decoded: events.map { recorded in (recorded.position, Result { try decode(recorded) }) }, on: connection)
    }

    /// An event as this projection reads it, its text opened: pure, so a rebuild does it for
    /// the next batch on another thread while the current one is written.
    func decode(_ recorded: RecordedEvent) throws -> ChatEvent {
        try ChatEvent(type: recorded.type, schemaVersion: recorded.schemaVersion, data: recorded.data, opener: opener)
    }

    /// Applies events already decoded (each a position and its event, or why it did not decode).
    func apply(
        decoded events: [(position: Int64, event: Result<ChatEvent, any Error>)], on connection: SQLiteConnection
    )
        throws
    {
        let checkpoint = try checkpoint(on: connection)
        var applied: Int64?
        for (position, decoded) in events where position > checkpoint {
            try apply(try decoded.get(), at: position, on: connection)
            applied = position
        }
        guard let applied else { return }
        let statement = try connection.cachedStatement(sql.upsertCheckpoint)
        statement.bind(1, Self.checkpointName)
        statement.bind(2, applied)
        try statement.run()
    }

    /// Events another process appended: their erasures are forgotten here too, whoever
    /// applied them to the read model.
    public func absorbForeign(_ events: [RecordedEvent], on connection: SQLiteConnection) throws {
        for recorded in events where recorded.type == ChatEvent.Kind.userErased.rawValue {
            if case .userErased(let erased) = try ChatEvent(
                type: recorded.type, schemaVersion: recorded.schemaVersion, data: recorded.data)
            {
                keyring?.forget(erased.userID)
            }
        }
        try apply(events, on: connection)
    }

    private func apply(_ event: ChatEvent, at position: Int64, on db: SQLiteConnection) throws {
        switch event {
        case .userRegistered(let registered):
            let statement = try db.cachedStatement(sql.insertUser)
            statement.bind(1, registered.userID.rawValue)
            statement.bind(2, registered.username)
            statement.bind(3, Validation.usernameKey(registered.username))
            // An account whose name cannot be read cannot log in: it keeps no password.
            statement.bindText(4, registered.isErased ? [] : try JSONCoding.encode(registered.password))
            statement.bind(5, registered.registeredAt.iso8601)
            statement.bind(6, registered.isErased ? 1 : 0)
            try statement.run()

        case .sessionStarted(let started):
            let statement = try db.cachedStatement(sql.insertSession)
            statement.bind(1, started.tokenHash)
            statement.bind(2, started.userID.rawValue)
            statement.bind(3, started.startedAt.iso8601)
            statement.bind(4, started.expiresAt.millisecondsSinceEpoch)
            try statement.run()

        case .sessionEnded(let ended):
            let statement = try db.cachedStatement(sql.endSession)
            statement.bind(1, ended.endedAt.iso8601)
            statement.bind(2, ended.tokenHash)
            try statement.run()

        case .directChatCreated(let created):
            try insertChat(
                created.chatID, kind: "direct", name: nil, by: created.createdBy, at: created.createdAt,
                position: position, on: db)
            for participant in created.participants {
                try upsertMember(created.chatID, participant, role: .member, position: position, on: db)
            }

        case .groupCreated(let created):
            try insertChat(
                created.chatID, kind: "group", name: created.name, by: created.createdBy, at: created.createdAt,
                position: position, on: db)
            for member in created.members {
                try upsertMember(created.chatID, member.userID, role: member.role, position: position, on: db)
            }

        case .memberAdded(let added):
            try upsertMember(added.chatID, added.userID, role: added.role, position: position, on: db)

        case .memberRemoved(let removed):
            let statement = try db.cachedStatement(sql.deleteMember)
            statement.bind(1, removed.chatID.rawValue)
            statement.bind(2, removed.userID.rawValue)
            try statement.run()

        case .messageSent(let sent):
            try insertMessage(sent, position: position, on: db)

        case .messagesRead(let read):
            try advanceWatermark(read, on: db)

        case .messageEdited(let edited):
            let statement = try db.cachedStatement(sql.editMessage)
            statement.bind(1, edited.content)
            statement.bind(2, edited.editedAt.iso8601)
            statement.bind(3, position)
            statement.bind(4, edited.messageID.rawValue)
            statement.bind(5, edited.chatID.rawValue)
            statement.bind(6, edited.isErased ? 1 : 0)
            try statement.run()
            // An edit after a deletion (decisions refuse it; an imported log may hold one) changes nothing.
            if db.changes == 0, try !messageExists(edited.messageID, in: edited.chatID, on: db) {
                throw ProjectionError.unknownMessage(edited.messageID)
            }

        case .messageDeleted(let deleted):
            let statement = try db.cachedStatement(sql.deleteMessage)
            statement.bind(1, deleted.messageID.rawValue)
            statement.bind(2, deleted.chatID.rawValue)
            try statement.run()
            guard db.changes == 1 else { throw ProjectionError.unknownMessage(deleted.messageID) }

        case .userErased(let erased):
            try erase(erased, on: db)
        }
    }

    private func insertChat(
        _ chatID: ChatID, kind: String, name: String?, by creator: UserID, at createdAt: Timestamp, position: Int64,
        on db: SQLiteConnection
    ) throws {
        let statement = try db.cachedStatement(sql.insertChat)
        statement.bind(1, chatID.rawValue)
        statement.bind(2, kind)
        statement.bind(3, name)
        statement.bind(4, creator.rawValue)
        statement.bind(5, createdAt.iso8601)
        statement.bind(6, position)
        try statement.run()
    }

    private func upsertMember(
        _ chatID: ChatID, _ userID: UserID, role: MemberRole, position: Int64, on db: SQLiteConnection
    ) throws {
        let statement = try db.cachedStatement(sql.upsertMember)
        statement.bind(1, chatID.rawValue)
        statement.bind(2, userID.rawValue)
        statement.bind(3, role.rawValue)
        statement.bind(4, position)
        try statement.run()
    }

    /// Only rows that must change are touched: a message appends to `messages` (and its
    /// index) and nothing else, since each page touched is written again at commit.
    private func insertMessage(_ sent: MessageSent, position: Int64, on db: SQLiteConnection) throws {
        let insert = try db.cachedStatement(sql.insertMessage)
        insert.bind(1, position)
        insert.bind(2, sent.messageID.rawValue)
        insert.bind(3, sent.chatID.rawValue)
        insert.bind(4, sent.senderID.rawValue)
        insert.bind(5, sent.content)
        insert.bind(6, sent.clientMessageID)
        insert.bind(7, sent.sentAt.iso8601)
        insert.bind(8, sent.isErased ? 1 : 0)
        try insert.run()
        if let clientMessageID = sent.clientMessageID {
            // The primary key makes a second message with the same key from the same sender fail.
            let key = try db.cachedStatement(sql.insertClientMessageID)
            key.bind(1, sent.senderID.rawValue)
            key.bind(2, clientMessageID)
            key.bind(3, sent.messageID.rawValue)
            try key.run()
        }
    }

    /// The user's name becomes the placeholder, their text empty, their sessions ended, and
    /// their key is destroyed — all in the transaction that records the erasure.
    private func erase(_ erased: UserErased, on db: SQLiteConnection) throws {
        let id = erased.userID.rawValue
        let placeholder = ErasedUser.placeholderName(for: erased.userID)
        let user = try db.cachedStatement(sql.eraseUser)
        user.bind(1, placeholder)
        user.bind(2, Validation.usernameKey(placeholder))
        user.bind(3, id)
        try user.run()
        let messages = try db.cachedStatement(sql.eraseMessages)
        messages.bind(1, id)
        try messages.run()
        let sessions = try db.cachedStatement(sql.endSessionsOfUser)
        sessions.bind(1, erased.erasedAt.iso8601)
        sessions.bind(2, id)
        try sessions.run()
        if tables.prefix.isEmpty { try UserKeyTable.delete(erased.userID, on: db) }
        keyring?.forget(erased.userID)
    }

    private func messageExists(_ messageID: MessageID, in chatID: ChatID, on db: SQLiteConnection) throws -> Bool {
        let statement = try db.cachedStatement(sql.messagePosition)
        statement.bind(1, messageID.rawValue)
        statement.bind(2, chatID.rawValue)
        defer { statement.reset() }
        return try statement.step()
    }

    private func advanceWatermark(_ read: MessagesRead, on db: SQLiteConnection) throws {
        let target = try db.cachedStatement(sql.messagePosition)
        target.bind(1, read.upToMessageID.rawValue)
        target.bind(2, read.chatID.rawValue)
        guard try target.step() else {
            target.reset()
            throw ProjectionError.unknownMessage(read.upToMessageID)
        }
        let upTo = target.int64(0)
        target.reset()

        let current = try db.cachedStatement(sql.watermarkPosition)
        current.bind(1, read.chatID.rawValue)
        current.bind(2, read.readerID.rawValue)
        let previous = try current.step() ? current.int64(0) : 0
        current.reset()
        guard upTo > previous else { return }

        let upsert = try db.cachedStatement(sql.upsertWatermark)
        upsert.bind(1, read.chatID.rawValue)
        upsert.bind(2, read.readerID.rawValue)
        upsert.bind(3, upTo)
        upsert.bind(4, read.upToMessageID.rawValue)
        upsert.bind(5, read.readAt.iso8601)
        try upsert.run()

        // `read_at` of a message is when its first reader read it; it never changes after.
        let firstRead = try db.cachedStatement(sql.markFirstRead)
        firstRead.bind(1, read.readAt.iso8601)
        firstRead.bind(2, read.chatID.rawValue)
        firstRead.bind(3, previous)
        firstRead.bind(4, upTo)
        firstRead.bind(5, read.readerID.rawValue)
        try firstRead.run()
    }
}

/// Events the read model cannot apply.
public enum ProjectionError: Error, Equatable, CustomStringConvertible {
    case unknownMessage(MessageID)

    public var description: String {
        switch self {
        case .unknownMessage(let id): "an event names unknown message \(id)"
        }
    }
}
