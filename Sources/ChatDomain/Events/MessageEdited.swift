/// A message's text replaced by its sender. The log keeps every version.
public struct MessageEdited: Codable, Sendable, Equatable {
    public var messageID: MessageID
    public var chatID: ChatID
    public var editorID: UserID
    public var content: String
    public var editedAt: Timestamp

    public init(messageID: MessageID, chatID: ChatID, editorID: UserID, content: String, editedAt: Timestamp) {
        self.messageID = messageID
        self.chatID = chatID
        self.editorID = editorID
        self.content = content
        self.editedAt = editedAt
    }

    enum CodingKeys: String, CodingKey {
        case messageID = "message_id"
        case chatID = "chat_id"
        case editorID = "editor_id"
        case content
        case editedAt = "edited_at"
    }
}
