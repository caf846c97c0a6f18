extension Decisions {
    /// The outcome of `message`: a new message to append, or the first one with that key.
    public enum SendOutcome: Sendable, Equatable {
        case send(MessageSent)
        case duplicate(of: MessageReference)
    }

    /// `message`: participants post 1-4,000 characters; a repeated `client_message_id`
    /// from the same sender returns the first message instead of appending.
    ///
    /// - Parameters:
    ///   - previous: the sender's earlier message with the same `client_message_id`, if any.
    public static func sendMessage(
        requester: UserID, chat: ChatState?, content: String, clientMessageID: String?, previous: MessageReference?,
        messageID: MessageID, now: Timestamp
    ) throws(ChatError) -> SendOutcome {
        try Validation.checkContent(content)
        try Validation.checkClientMessageID(clientMessageID)
        // A retry of an acknowledged send is answered even if the sender has since left.
        if let previous { return .duplicate(of: previous) }
        guard let chat else { throw .chatNotFound }
        guard chat.isMember(requester) else { throw .forbidden }
        return .send(
            MessageSent(
                messageID: messageID, chatID: chat.chatID, senderID: requester, content: content,
                clientMessageID: clientMessageID, sentAt: now))
    }

    /// `mark_read` and the read side effect of `get_messages`: moves the reader's watermark
    /// forward to `target`, never backwards.
    ///
    /// - Parameters:
    ///   - target: the message to read up to; `nil` when the chat has nothing to read.
    ///   - watermark: the position the reader has already read up to, if any.
    public static func markRead(
        requester: UserID, chat: ChatState?, target: MessageReference?, watermark: Int64?, now: Timestamp
    ) throws(ChatError) -> [ChatEvent] {
        try authorizeRead(requester: requester, chat: chat)
        guard let target else { return [] }
        guard target.chatID == chat?.chatID else { throw .invalidRequest("message_id is not a message of this chat") }
        if let watermark, watermark >= target.position { return [] }
        return [
            .messagesRead(
                MessagesRead(chatID: target.chatID, readerID: requester, upToMessageID: target.messageID, readAt: now))
        ]
    }
}
