/// A group chat with its first members; the creator is its admin.
public struct GroupCreated: Codable, Sendable, Equatable {
    public var chatID: ChatID
    public var name: String
    public var createdBy: UserID
    /// Every founding member, the creator first with role `admin`.
    public var members: [Member]
    public var createdAt: Timestamp

    public init(chatID: ChatID, name: String, createdBy: UserID, members: [Member], createdAt: Timestamp) {
        self.chatID = chatID
        self.name = name
        self.createdBy = createdBy
        self.members = members
        self.createdAt = createdAt
    }

    public struct Member: Codable, Sendable, Equatable {
        public var userID: UserID
        public var role: MemberRole

        public init(userID: UserID, role: MemberRole) {
            self.userID = userID
            self.role = role
        }

        enum CodingKeys: String, CodingKey {
            case userID = "user_id"
            case role
        }
    }

    enum CodingKeys: String, CodingKey {
        case chatID = "chat_id"
        case name
        case createdBy = "created_by"
        case members
        case createdAt = "created_at"
    }
}

/// A member's role in a chat.
public enum MemberRole: String, Codable, Sendable {
    case admin
    case member
}
