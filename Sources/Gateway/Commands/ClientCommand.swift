public import ChatDomain

/// A command of the wire protocol (protocol §4), with its fields typed and present.
public enum ClientCommand: Sendable, Equatable {
    case register(username: String, password: String)
    case login(username: String, password: String)
    case auth(token: String, since: Int64?)
    case logout
    case ping
    case listUsers(query: String?, limit: Int)
    case getUserChats
    case createChat(userID: UserID)
    case createGroup(name: String, memberIDs: [UserID])
    case addGroupMember(groupID: ChatID, userID: UserID)
    case removeGroupMember(groupID: ChatID, userID: UserID)
    case message(chatID: ChatID, content: String, clientMessageID: String?)
    case getMessages(chatID: ChatID, before: MessageID?, limit: Int)
    case markRead(chatID: ChatID, messageID: MessageID)
    case editMessage(chatID: ChatID, messageID: MessageID, content: String)
    case deleteMessage(chatID: ChatID, messageID: MessageID)
    case typing(chatID: ChatID)

    /// Whether the command works before authentication.
    public var allowedBeforeAuthentication: Bool {
        switch self {
        case .register, .login, .auth, .ping: true
        default: false
        }
    }

    /// The command's `type` on the wire.
    public var type: String {
        switch self {
        case .register: "register"
        case .login: "login"
        case .auth: "auth"
        case .logout: "logout"
        case .ping: "ping"
        case .listUsers: "list_users"
        case .getUserChats: "get_user_chats"
        case .createChat: "create_chat"
        case .createGroup: "create_group"
        case .addGroupMember: "add_group_member"
        case .removeGroupMember: "remove_group_member"
        case .message: "message"
        case .getMessages: "get_messages"
        case .markRead: "mark_read"
        case .editMessage: "edit_message"
        case .deleteMessage: "delete_message"
        case .typing: "typing"
        }
    }
}
