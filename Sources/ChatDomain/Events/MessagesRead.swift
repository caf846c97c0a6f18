/// A reader's watermark in a chat moved forward to (and including) a message.
public struct MessagesRead: Codable, Sendable, Equatable {
    public var chatID: ChatID
    public var readerID: UserID
    public var upToMessageID: MessageID
    public var readAt: Timestamp

    public init(chatID: ChatID, readerID: UserID, upToMessageID: MessageID, readAt: Timestamp) {
        self.chatID = chatID
        self.readerID = readerID
        self.upToMessageID = upToMessageID
        self.readAt = readAt
    }

    enum CodingKeys: String, CodingKey {
        case chatID = "chat_id"
        case readerID = "reader_id"
        case upToMessageID = "up_to_message_id"
        case readAt = "read_at"
    }
}
