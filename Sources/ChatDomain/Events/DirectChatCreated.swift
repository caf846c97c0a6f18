/// A one-to-one chat between two different users.
public struct DirectChatCreated: Codable, Sendable, Equatable {
    public var chatID: ChatID
    /// The two participants, sorted.
    public var participants: [UserID]
    public var createdBy: UserID
    public var createdAt: Timestamp

    public init(chatID: ChatID, participants: [UserID], createdBy: UserID, createdAt: Timestamp) {
        self.chatID = chatID
        self.participants = participants
        self.createdBy = createdBy
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case chatID = "chat_id"
        case participants
        case createdBy = "created_by"
        case createdAt = "created_at"
    }
}
