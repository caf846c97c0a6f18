/// A message posted to a chat.
///
/// Schema history: version 1 called the text `text` and had no `client_message_id`;
/// version 2 renamed it `content` and added the optional idempotency key.
public struct MessageSent: Codable, Sendable, Equatable {
    public var messageID: MessageID
    public var chatID: ChatID
    public var senderID: UserID
    public var content: String
    public var clientMessageID: String?
    public var sentAt: Timestamp

    public init(
        messageID: MessageID, chatID: ChatID, senderID: UserID, content: String,
        clientMessageID: String?, sentAt: Timestamp
    ) {
        self.messageID = messageID
        self.chatID = chatID
        self.senderID = senderID
        self.content = content
        self.clientMessageID = clientMessageID
        self.sentAt = sentAt
    }

    enum CodingKeys: String, CodingKey {
        case messageID = "message_id", chatID = "chat_id", senderID = "sender_id", content
        case clientMessageID = "client_message_id", sentAt = "sent_at"
    }
}
