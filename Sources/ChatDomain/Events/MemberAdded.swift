/// A user joined a group, added by an admin.
public struct MemberAdded: Codable, Sendable, Equatable {
    public var chatID: ChatID
    public var userID: UserID
    public var role: MemberRole
    public var addedBy: UserID
    public var addedAt: Timestamp

    public init(chatID: ChatID, userID: UserID, role: MemberRole, addedBy: UserID, addedAt: Timestamp) {
        self.chatID = chatID
        self.userID = userID
        self.role = role
        self.addedBy = addedBy
        self.addedAt = addedAt
    }

    enum CodingKeys: String, CodingKey {
        case chatID = "chat_id"
        case userID = "user_id"
        case role
        case addedBy = "by"
        case addedAt = "added_at"
    }
}
