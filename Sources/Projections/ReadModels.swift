public import ChatDomain

/// A user as clients see it: `{"id", "username"}`.
public struct UserProfile: Sendable, Equatable, Encodable {
    public var id: UserID
    public var username: String

    public init(id: UserID, username: String) {
        self.id = id
        self.username = username
    }
}

/// A chat member: a user with a role.
public struct MemberProfile: Sendable, Equatable, Encodable {
    public var id: UserID
    public var username: String
    public var role: MemberRole

    public init(id: UserID, username: String, role: MemberRole) {
        self.id = id
        self.username = username
        self.role = role
    }
}

/// A message as clients see it (protocol §3).
public struct MessageView: Sendable, Equatable, Encodable {
    public var id: MessageID
    public var chatID: ChatID
    public var senderID: UserID
    public var senderUsername: String
    public var content: String
    public var timestamp: String
    /// Participants other than the sender who have read it, sorted by id.
    public var readBy: [UserID]
    /// When the first of them read it.
    public var readAt: String?
    /// When its text was last edited; `nil` if never.
    public var editedAt: String?
    /// A tombstone: the message was deleted and its `content` is empty.
    public var deleted: Bool
    /// Its sender was erased (or their key is not here): `content` is empty.
    public var erased: Bool
    /// The log position of the message; orders messages within a chat.
    public var position: Int64

    public init(
        id: MessageID, chatID: ChatID, senderID: UserID, senderUsername: String, content: String, timestamp: String,
        readBy: [UserID], readAt: String?, editedAt: String? = nil, deleted: Bool = false, erased: Bool = false,
        position: Int64
    ) {
        self.id = id
        self.chatID = chatID
        self.senderID = senderID
        self.senderUsername = senderUsername
        self.content = content
        self.timestamp = timestamp
        self.readBy = readBy
        self.readAt = readAt
        self.editedAt = editedAt
        self.deleted = deleted
        self.erased = erased
        self.position = position
    }

    enum CodingKeys: String, CodingKey {
        case id
        case chatID = "chat_session_id"
        case senderID = "sender_id"
        case senderUsername = "sender_username"
        case content
        case timestamp
        case readBy = "read_by"
        case readAt = "read_at"
        case editedAt = "edited_at"
        case deleted, erased
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(chatID, forKey: .chatID)
        try container.encode(senderID, forKey: .senderID)
        try container.encode(senderUsername, forKey: .senderUsername)
        try container.encode(content, forKey: .content)
        try container.encode(timestamp, forKey: .timestamp)
        try container.encode(readBy, forKey: .readBy)
        try container.encode(readAt, forKey: .readAt)  // explicit null, as the contract shows
        try container.encode(editedAt, forKey: .editedAt)
        try container.encode(deleted, forKey: .deleted)
        try container.encode(erased, forKey: .erased)
    }
}

/// A chat in a user's list (protocol §3).
public struct ChatSummary: Sendable, Equatable, Encodable {
    public var id: ChatID
    public var kind: ChatState.Kind
    /// The group's name, or for a direct chat the other user's username.
    public var name: String
    public var members: [MemberProfile]
    public var createdAt: String
    public var lastMessage: MessageView?
    public var unreadCount: Int

    public init(
        id: ChatID, kind: ChatState.Kind, name: String, members: [MemberProfile], createdAt: String,
        lastMessage: MessageView?,
        unreadCount: Int
    ) {
        self.id = id
        self.kind = kind
        self.name = name
        self.members = members
        self.createdAt = createdAt
        self.lastMessage = lastMessage
        self.unreadCount = unreadCount
    }

    enum CodingKeys: String, CodingKey {
        case id
        case kind = "type"
        case name, members
        case createdAt = "created_at"
        case lastMessage = "last_message"
        case unreadCount = "unread_count"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(kind, forKey: .kind)
        try container.encode(name, forKey: .name)
        try container.encode(members, forKey: .members)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(lastMessage, forKey: .lastMessage)
        try container.encode(unreadCount, forKey: .unreadCount)
    }
}

/// One page of a chat's history, oldest first.
public struct MessagePage: Sendable, Equatable {
    public var messages: [MessageView]
    /// Whether older messages exist before the first one.
    public var hasMore: Bool

    public init(messages: [MessageView], hasMore: Bool) {
        self.messages = messages
        self.hasMore = hasMore
    }
}
