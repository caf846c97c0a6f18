/// A message's text replaced by its sender. The log keeps every version, each sealed under
/// the sender's key (see ``StoredMessageEdited``).
public struct MessageEdited: Sendable, Equatable {
    public var messageID: MessageID
    public var chatID: ChatID
    public var editorID: UserID
    /// The new text; empty when ``isErased``.
    public var content: String
    public var editedAt: Timestamp
    /// The text could not be opened: the editor was erased, or their key is not here.
    public var isErased = false

    public init(
        messageID: MessageID, chatID: ChatID, editorID: UserID, content: String, editedAt: Timestamp,
        isErased: Bool = false
    ) {
        self.messageID = messageID
        self.chatID = chatID
        self.editorID = editorID
        self.content = content
        self.editedAt = editedAt
        self.isErased = isErased
    }
}

/// `message_edited` as the log stores it: the new text sealed under the editor's key.
struct StoredMessageEdited: Codable {
    var messageID: MessageID
    var chatID: ChatID
    var editorID: UserID
    var sealedContent: String
    var editedAt: Timestamp

    enum CodingKeys: String, CodingKey {
        case messageID = "message_id"
        case chatID = "chat_id"
        case editorID = "editor_id"
        case sealedContent = "sealed_content"
        case editedAt = "edited_at"
    }
}
