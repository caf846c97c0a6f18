/// What a decision needs to know about one chat, folded from its stream.
public struct ChatState: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case direct
        case group
    }

    public var chatID: ChatID
    public var kind: Kind
    /// The group's name; `nil` for a direct chat (its name depends on who asks).
    public var name: String?
    /// Current members and their roles.
    public var members: [UserID: MemberRole]

    public init(chatID: ChatID, kind: Kind, name: String?, members: [UserID: MemberRole]) {
        self.chatID = chatID
        self.kind = kind
        self.name = name
        self.members = members
    }

    public func isMember(_ user: UserID) -> Bool { members[user] != nil }
    public func isAdmin(_ user: UserID) -> Bool { members[user] == .admin }

    /// Folds a chat stream from its first event; `nil` if the stream does not start a chat.
    public static func fold<Events: Sequence>(_ events: Events) -> ChatState? where Events.Element == ChatEvent {
        var state: ChatState?
        for event in events { state = evolve(state, event) }
        return state
    }

    /// The state after one more event of the chat's stream.
    public static func evolve(_ state: ChatState?, _ event: ChatEvent) -> ChatState? {
        switch event {
        case .directChatCreated(let created):
            return ChatState(
                chatID: created.chatID, kind: .direct, name: nil,
                members: Dictionary(uniqueKeysWithValues: created.participants.map { ($0, .member) }))
        case .groupCreated(let created):
            return ChatState(
                chatID: created.chatID, kind: .group, name: created.name,
                members: Dictionary(
                    created.members.map { ($0.userID, $0.role) }, uniquingKeysWith: { first, _ in first }))
        case .memberAdded(let added):
            guard var state else { return nil }
            state.members[added.userID] = added.role
            return state
        case .memberRemoved(let removed):
            guard var state else { return nil }
            state.members[removed.userID] = nil
            return state
        case .messageSent, .messagesRead, .messageEdited, .messageDeleted, .userErased, .userRegistered,
            .sessionStarted,
            .sessionEnded:
            return state
        }
    }
}
