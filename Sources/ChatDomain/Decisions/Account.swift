/// A registered user as the login decision sees it.
public struct Account: Sendable, Equatable {
    public var userID: UserID
    public var username: String
    public var password: PasswordHash

    public init(userID: UserID, username: String, password: PasswordHash) {
        self.userID = userID
        self.username = username
        self.password = password
    }
}

/// A session token's record as `auth` and `logout` see it.
public struct SessionRecord: Sendable, Equatable {
    public var userID: UserID
    public var username: String
    public var tokenHash: String
    public var expiresAt: Timestamp
    public var ended: Bool

    public init(userID: UserID, username: String, tokenHash: String, expiresAt: Timestamp, ended: Bool) {
        self.userID = userID
        self.username = username
        self.tokenHash = tokenHash
        self.expiresAt = expiresAt
        self.ended = ended
    }

    /// Whether the token still authenticates at `now`.
    public func isValid(at now: Timestamp) -> Bool { !ended && now < expiresAt }
}

/// A message as the read-receipt decisions see it.
public struct MessageReference: Sendable, Equatable {
    public var messageID: MessageID
    public var chatID: ChatID
    public var senderID: UserID
    /// The log position of the message, which orders messages within a chat.
    public var position: Int64

    public init(messageID: MessageID, chatID: ChatID, senderID: UserID, position: Int64) {
        self.messageID = messageID
        self.chatID = chatID
        self.senderID = senderID
        self.position = position
    }
}
