import JSON

/// A message posted to a chat.
///
/// Schema history: version 1 called the text `text` and had no `client_message_id`;
/// version 2 renamed it `content` and added the optional idempotency key; version 3 stores
/// the text sealed under the sender's key as `sealed_content` (protocol §10).
public struct MessageSent: Codable, Sendable, Equatable {
    public var messageID: MessageID
    public var chatID: ChatID
    public var senderID: UserID
    /// The text; empty when ``isErased``.
    public var content: String
    public var clientMessageID: String?
    public var sentAt: Timestamp
    /// The text could not be opened: the sender was erased, or their key is not here.
    public var isErased = false

    public init(
        messageID: MessageID, chatID: ChatID, senderID: UserID, content: String,
        clientMessageID: String?, sentAt: Timestamp, isErased: Bool = false
    ) {
        self.messageID = messageID
        self.chatID = chatID
        self.senderID = senderID
        self.content = content
        self.clientMessageID = clientMessageID
        self.sentAt = sentAt
        self.isErased = isErased
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
    /// Version 3's sorted-key bytes, written directly: the busiest event.
    func canonicalJSON(sealedContent: String) -> [UInt8] {
        var json = CanonicalJSONWriter(capacity: sealedContent.utf8.count + 160)
        json.beginObject()
        json.key("chat_id")
        json.string(chatID.rawValue)
        if let clientMessageID {
            json.key("client_message_id")
            json.string(clientMessageID)
        }
        json.key("message_id")
        json.string(messageID.rawValue)
        json.key("sealed_content")
        json.string(sealedContent)
        json.key("sender_id")
        json.string(senderID.rawValue)
        json.key("sent_at")
        json.string(sentAt.iso8601)
        json.endObject()
        return json.bytes
    }
}
