import ChatDomain

/// The users whose sessions receive a push.
///
/// A chat's pushes go to its members: the audience is the chat state's own member table,
/// shared copy-on-write, so planning a push in a room of thousands copies nothing, and a
/// resuming user is looked up in it in O(1), not by a scan of the room.
struct PushAudience: Sendable {
    private let members: [UserID: MemberRole]

    /// The members of a chat, as of the push's position.
    init(membersOf chat: ChatState?) {
        members = chat?.members ?? [:]
    }

    /// Users outside any chat's member table (a joining user, say).
    init(_ users: [UserID]) {
        members = Dictionary(users.map { ($0, MemberRole.member) }, uniquingKeysWith: { first, _ in first })
    }

    func contains(_ user: UserID) -> Bool { members[user] != nil }

    var users: Dictionary<UserID, MemberRole>.Keys { members.keys }
}
