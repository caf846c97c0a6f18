/// A user left a group (`removedBy` is the user) or an admin removed them.
public struct MemberRemoved: Codable, Sendable, Equatable {
    public var chatID: ChatID
    public var userID: UserID
    public var removedBy: UserID
    public var removedAt: Timestamp

    public init(chatID: ChatID, userID: UserID, removedBy: UserID, removedAt: Timestamp) {
        self.chatID = chatID
        self.userID = userID
        self.removedBy = removedBy
        self.removedAt = removedAt
    }

    enum CodingKeys: String, CodingKey {
        case chatID = "chat_id"
        case userID = "user_id"
        case removedBy = "by"
        case removedAt = "removed_at"
    }
}
