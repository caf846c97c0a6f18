/// A message withdrawn by its sender or a group admin; it stays in its place as a tombstone.
public struct MessageDeleted: Codable, Sendable, Equatable {
    public var messageID: MessageID
    public var chatID: ChatID
    public var deletedBy: UserID
    public var deletedAt: Timestamp

    public init(messageID: MessageID, chatID: ChatID, deletedBy: UserID, deletedAt: Timestamp) {
        self.messageID = messageID
        self.chatID = chatID
        self.deletedBy = deletedBy
        self.deletedAt = deletedAt
    }

    enum CodingKeys: String, CodingKey {
        case messageID = "message_id"
        case chatID = "chat_id"
        case deletedBy = "deleted_by"
        case deletedAt = "deleted_at"
    }
}
