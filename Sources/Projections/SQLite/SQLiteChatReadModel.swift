public import ChatDomain
public import EventStore

/// The chat read model in the log's SQLite file, queried on the log's reader connections.
public struct SQLiteChatReadModel: ChatReadModel {
    let log: SQLiteEventLog

    public init(log: SQLiteEventLog) {
        self.log = log
    }

    public func account(usernameKey: String) async throws -> Account? {
        try await log.withReader { try ReadModelQueries.account(usernameKey: usernameKey, on: $0) }
    }

    public func user(_ id: UserID) async throws -> UserProfile? {
        try await log.withReader { try ReadModelQueries.user(id, on: $0) }
    }

    public func messageCount(sentBy sender: UserID) async throws -> Int64 {
        try await log.withReader { try ReadModelQueries.messageCount(sentBy: sender, on: $0) }
    }

    public func isActiveUser(_ id: UserID) async throws -> Bool {
        try await log.withReader { try ReadModelQueries.isActiveUser(id, on: $0) }
    }

    public func unknownUsers(_ ids: [UserID]) async throws -> Set<UserID> {
        try await log.withReader { try ReadModelQueries.unknownUsers(ids, on: $0) }
    }

    public func session(tokenHash: String) async throws -> SessionRecord? {
        try await log.withReader { try ReadModelQueries.session(tokenHash: tokenHash, on: $0) }
    }

    public func searchUsers(query: String?, limit: Int) async throws -> [UserProfile] {
        try await log.withReader { try ReadModelQueries.searchUsers(query: query, limit: limit, on: $0) }
    }

    public func chatState(_ chatID: ChatID) async throws -> (state: ChatState, streamVersion: Int64)? {
        try await log.withReader { try ReadModelQueries.chatState(chatID, on: $0) }
    }

    public func messageByClientID(sender: UserID, clientMessageID: String) async throws -> MessageReference? {
        try await log.withReader {
            try ReadModelQueries.messageByClientID(sender: sender, clientMessageID: clientMessageID, on: $0)
        }
    }

    public func messageTimestamp(_ id: MessageID) async throws -> String? {
        try await log.withReader { try ReadModelQueries.messageTimestamp(id, on: $0) }
    }

    public func message(_ id: MessageID) async throws -> MessageReference? {
        try await log.withReader { try ReadModelQueries.message(id, on: $0) }
    }

    public func currentMessage(_ id: MessageID) async throws -> CurrentMessage? {
        try await log.withReader { try ReadModelQueries.currentMessage(id, on: $0) }
    }

    public func readMark(in chatID: ChatID, reader: UserID) async throws -> (
        newest: MessageReference?, watermark: Int64?
    ) {
        try await log.withReader { db in
            (
                try ReadModelQueries.newestMessage(in: chatID, notSentBy: reader, on: db),
                try ReadModelQueries.watermark(chat: chatID, reader: reader, on: db)
            )
        }
    }

    public func watermark(chat chatID: ChatID, reader: UserID) async throws -> Int64? {
        try await log.withReader { try ReadModelQueries.watermark(chat: chatID, reader: reader, on: $0) }
    }

    public func messages(in chatID: ChatID, before: MessageID?, limit: Int) async throws -> MessagePage {
        try await log.withReader { try ReadModelQueries.messages(in: chatID, before: before, limit: limit, on: $0) }
    }

    public func chats(of userID: UserID) async throws -> [ChatSummary] {
        try await log.withReader { try ReadModelQueries.chats(of: userID, on: $0) }
    }

    public func membershipSnapshot() async throws -> MembershipSnapshot {
        try await log.withReader { try ReadModelQueries.membershipSnapshot(on: $0) }
    }
}
