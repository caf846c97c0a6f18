/// Every fact the chat service records. Each case is one event type of the log.
public enum ChatEvent: Sendable, Equatable {
    case userRegistered(UserRegistered)
    case sessionStarted(SessionStarted)
    case sessionEnded(SessionEnded)
    case directChatCreated(DirectChatCreated)
    case groupCreated(GroupCreated)
    case memberAdded(MemberAdded)
    case memberRemoved(MemberRemoved)
    case messageSent(MessageSent)
    case messagesRead(MessagesRead)
    case messageEdited(MessageEdited)
    case messageDeleted(MessageDeleted)
    case userErased(UserErased)

    /// The event type names written to the log's `type` column.
    public enum Kind: String, Sendable, CaseIterable {
        case userRegistered = "user_registered"
        case sessionStarted = "session_started"
        case sessionEnded = "session_ended"
        case directChatCreated = "direct_chat_created"
        case groupCreated = "group_created"
        case memberAdded = "member_added"
        case memberRemoved = "member_removed"
        case messageSent = "message_sent"
        case messagesRead = "messages_read"
        case messageEdited = "message_edited"
        case messageDeleted = "message_deleted"
        case userErased = "user_erased"

        /// The schema version new events of this type are written with.
        public var currentSchemaVersion: Int {
            switch self {
            case .messageSent: 3
            case .userRegistered: 2
            default: 1
            }
        }
    }

    public var kind: Kind {
        switch self {
        case .userRegistered: .userRegistered
        case .sessionStarted: .sessionStarted
        case .sessionEnded: .sessionEnded
        case .directChatCreated: .directChatCreated
        case .groupCreated: .groupCreated
        case .memberAdded: .memberAdded
        case .memberRemoved: .memberRemoved
        case .messageSent: .messageSent
        case .messagesRead: .messagesRead
        case .messageEdited: .messageEdited
        case .messageDeleted: .messageDeleted
        case .userErased: .userErased
        }
    }
}
