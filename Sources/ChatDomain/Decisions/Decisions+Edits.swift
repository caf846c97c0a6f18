extension Decisions {
    /// The outcome of `edit_message`: a new version to append, or the current one unchanged.
    public enum EditOutcome: Sendable, Equatable {
        case edit(MessageEdited)
        case unchanged(CurrentMessage)
    }

    /// `edit_message`: the sender, while a participant, replaces the text of a message that is
    /// not deleted; the same text again appends nothing.
    ///
    /// A non-participant learns nothing about the chat's messages: `forbidden` comes before
    /// the message is looked at.
    public static func editMessage(
        requester: UserID, chat: ChatState?, message: CurrentMessage?, content: String, now: Timestamp
    ) throws(ChatError) -> EditOutcome {
        try Validation.checkContent(content)
        let message = try messageOfChat(requester: requester, chat: chat, message: message)
        guard !message.deleted else { throw .invalidRequest("message_id is a deleted message") }
        guard message.reference.senderID == requester else { throw .forbidden }
        if message.content == content { return .unchanged(message) }
        return .edit(
            MessageEdited(
                messageID: message.reference.messageID, chatID: message.reference.chatID, editorID: requester,
                content: content, editedAt: now))
    }

    /// `delete_message`: the sender, or an admin of the group, leaves a tombstone; deleting
    /// again appends nothing.
    public static func deleteMessage(
        requester: UserID, chat: ChatState?, message: CurrentMessage?, now: Timestamp
    ) throws(ChatError) -> [ChatEvent] {
        let message = try messageOfChat(requester: requester, chat: chat, message: message)
        let isGroupAdmin = chat?.kind == .group && chat?.isAdmin(requester) == true
        guard message.reference.senderID == requester || isGroupAdmin else { throw .forbidden }
        guard !message.deleted else { return [] }
        return [
            .messageDeleted(
                MessageDeleted(
                    messageID: message.reference.messageID, chatID: message.reference.chatID, deletedBy: requester,
                    deletedAt: now))
        ]
    }

    /// The message, once the requester is known to be a participant and it is one of this chat's.
    private static func messageOfChat(
        requester: UserID, chat: ChatState?, message: CurrentMessage?
    ) throws(ChatError) -> CurrentMessage {
        try authorizeRead(requester: requester, chat: chat)
        guard let message, message.reference.chatID == chat?.chatID else {
            throw .invalidRequest("message_id is not a message of this chat")
        }
        return message
    }
}
