extension Decisions {
    /// `create_chat`: the direct chat of a pair, created once.
    ///
    /// - Parameters:
    ///   - existing: the chat with id ``IdentifierFactory/directChatID(_:_:)`` if it exists.
    /// - Returns: `[]` when the chat already exists (`created: false`).
    public static func createDirectChat(
        requester: UserID, other: UserID, otherExists: Bool, existing: ChatState?, now: Timestamp
    ) throws(ChatError) -> [ChatEvent] {
        guard other != requester else { throw .invalidRequest("cannot create a chat with yourself") }
        guard otherExists else { throw .userNotFound }
        guard existing == nil else { return [] }
        let chatID = IdentifierFactory.directChatID(requester, other)
        return [
            .directChatCreated(
                DirectChatCreated(
                    chatID: chatID, participants: [requester, other].sorted(), createdBy: requester, createdAt: now))
        ]
    }

    /// `create_group`: a group with the requester as admin and every listed user as member.
    ///
    /// - Parameters:
    ///   - unknownMembers: the listed ids that are not registered users.
    public static func createGroup(
        requester: UserID, name: String, memberIDs: [UserID], unknownMembers: Set<UserID>, chatID: ChatID,
        now: Timestamp
    ) throws(ChatError) -> [ChatEvent] {
        try Validation.checkGroupName(name)
        guard unknownMembers.isEmpty else { throw .userNotFound }
        var members = [GroupCreated.Member(userID: requester, role: .admin)]
        var seen: Set<UserID> = [requester]
        for id in memberIDs where seen.insert(id).inserted {
            members.append(GroupCreated.Member(userID: id, role: .member))
        }
        return [
            .groupCreated(
                GroupCreated(chatID: chatID, name: name, createdBy: requester, members: members, createdAt: now))
        ]
    }

    /// `add_group_member`: admins add registered users; `[]` if already a member.
    public static func addGroupMember(
        requester: UserID, group: ChatState?, userID: UserID, userExists: Bool, now: Timestamp
    ) throws(ChatError) -> [ChatEvent] {
        guard let group, group.kind == .group else { throw .chatNotFound }
        guard group.isAdmin(requester) else { throw .forbidden }
        guard userExists else { throw .userNotFound }
        guard !group.isMember(userID) else { return [] }
        return [
            .memberAdded(
                MemberAdded(chatID: group.chatID, userID: userID, role: .member, addedBy: requester, addedAt: now))
        ]
    }

    /// `remove_group_member`: admins remove anyone, anyone removes themselves; `[]` if not a member.
    public static func removeGroupMember(
        requester: UserID, group: ChatState?, userID: UserID, now: Timestamp
    ) throws(ChatError) -> [ChatEvent] {
        guard let group, group.kind == .group else { throw .chatNotFound }
        guard group.isAdmin(requester) || (requester == userID && group.isMember(requester)) else { throw .forbidden }
        guard group.isMember(userID) else { return [] }
        return [
            .memberRemoved(MemberRemoved(chatID: group.chatID, userID: userID, removedBy: requester, removedAt: now))
        ]
    }

    /// Reading a chat's history or members: participants only.
    public static func authorizeRead(requester: UserID, chat: ChatState?) throws(ChatError) {
        guard let chat else { throw .chatNotFound }
        guard chat.isMember(requester) else { throw .forbidden }
    }
}
