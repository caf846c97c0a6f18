import JSON

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
        case messageID = "message_id"
        case chatID = "chat_id"
        case senderID = "sender_id"
        case content
        case clientMessageID = "client_message_id"
        case sentAt = "sent_at"
    }
}

extension MessageSent {
    /// The encoder's sorted-key bytes, written directly.
    var canonicalJSON: [UInt8] {
        var json = CanonicalJSONWriter(capacity: content.utf8.count + 160)
        json.beginObject()
        json.key("chat_id")
        json.string(chatID.rawValue)
        if let clientMessageID {
            json.key("client_message_id")
            json.string(clientMessageID)
        }
        json.key("content")
        json.string(content)
        json.key("message_id")
        json.string(messageID.rawValue)
        json.key("sender_id")
        json.string(senderID.rawValue)
        json.key("sent_at")
        json.string(sentAt.iso8601)
        json.endObject()
        return json.bytes
    }
}
