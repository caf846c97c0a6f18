public import ChatDomain
public import EventStore
import JSON

/// One line of the audit view: who did what, when, at which position.
public struct AuditEntry: Sendable, Encodable {
    public var position: Int64
    public var recordedAt: String
    public var stream: String
    public var type: String
    public var schemaVersion: Int
    /// The user on whose behalf the event was recorded, from its metadata.
    public var actor: String?
    /// The chat the event belongs to, if any.
    public var chatID: ChatID?
    /// Every user the event names (sender, member, reader, registrant …).
    public var involvedUsers: [UserID]
    /// A one-line human description.
    public var summary: String
    /// The request id, as the JSON text the client sent, and the connection framing, from
    /// the metadata, for tracing.
    public var requestID: String?
    public var framing: String?

    enum CodingKeys: String, CodingKey {
        case position
        case recordedAt = "recorded_at"
        case stream, type
        case schemaVersion = "schema_version"
        case actor
        case chatID = "chat_id"
        case involvedUsers = "users"
        case summary
        case requestID = "request_id"
        case framing
    }

    /// Describes `recorded`, naming users through `username` where it knows them.
    ///
    /// Sealed text is opened with `opener`; the text of `erasedUsers` is never shown, even
    /// where a log from before version 1.1 still holds it in plain text.
    public init(
        _ recorded: RecordedEvent, username: (UserID) -> String?, opener: (any TextSealer)? = nil,
        erasedUsers: Set<UserID> = []
    ) {
        let metadata = recorded.decodedMetadata
        position = recorded.position
        recordedAt = Timestamp(millisecondsSinceEpoch: recorded.recordedAt).iso8601
        stream = recorded.streamID
        type = recorded.type
        schemaVersion = recorded.schemaVersion
        actor = metadata.actor
        requestID = metadata.requestID
        framing = metadata.framing
        func name(_ id: UserID) -> String { username(id).map { "\($0) (\(id))" } ?? id.rawValue }
        /// A message's text for the line, unless its author is erased.
        func shown(_ content: String, _ isErased: Bool, by author: UserID) -> String {
            isErased || erasedUsers.contains(author) ? "(erased)" : "“\(Self.preview(content))”"
        }
        guard
            let event = try? ChatEvent(
                type: recorded.type, schemaVersion: recorded.schemaVersion, data: recorded.data, opener: opener)
        else {
            chatID = nil
            involvedUsers = []
            summary = "undecodable \(recorded.type) v\(recorded.schemaVersion)"
            return
        }
        switch event {
        case .userRegistered(let e):
            chatID = nil
            involvedUsers = [e.userID]
            summary = "registered user \(name(e.userID))"
        case .sessionStarted(let e):
            chatID = nil
            involvedUsers = [e.userID]
            summary = "\(name(e.userID)) logged in; session expires \(e.expiresAt.iso8601)"
        case .sessionEnded(let e):
            chatID = nil
            involvedUsers = [e.userID]
            summary = "\(name(e.userID)) logged out"
        case .directChatCreated(let e):
            chatID = e.chatID
            involvedUsers = e.participants
            summary =
                "\(name(e.createdBy)) opened direct chat \(e.chatID) with \(e.participants.filter { $0 != e.createdBy }.map(name).joined())"
        case .groupCreated(let e):
            chatID = e.chatID
            involvedUsers = e.members.map(\.userID)
            summary =
                "\(name(e.createdBy)) created group \"\(e.name)\" (\(e.chatID)) with \(e.members.map { name($0.userID) }.joined(separator: ", "))"
        case .memberAdded(let e):
            chatID = e.chatID
            involvedUsers = [e.userID, e.addedBy]
            summary = "\(name(e.addedBy)) added \(name(e.userID)) to \(e.chatID) as \(e.role.rawValue)"
        case .memberRemoved(let e):
            chatID = e.chatID
            involvedUsers = [e.userID, e.removedBy]
            summary =
                e.userID == e.removedBy
                ? "\(name(e.userID)) left \(e.chatID)"
                : "\(name(e.removedBy)) removed \(name(e.userID)) from \(e.chatID)"
        case .messageSent(let e):
            chatID = e.chatID
            involvedUsers = [e.senderID]
            summary =
                "\(name(e.senderID)) sent \(e.messageID) to \(e.chatID): \(shown(e.content, e.isErased, by: e.senderID))"
        case .messagesRead(let e):
            chatID = e.chatID
            involvedUsers = [e.readerID]
            summary = "\(name(e.readerID)) read \(e.chatID) up to \(e.upToMessageID)"
        case .messageEdited(let e):
            chatID = e.chatID
            involvedUsers = [e.editorID]
            summary =
                "\(name(e.editorID)) edited \(e.messageID) in \(e.chatID) at \(e.editedAt.iso8601): \(shown(e.content, e.isErased, by: e.editorID))"
        case .messageDeleted(let e):
            chatID = e.chatID
            involvedUsers = [e.deletedBy]
            summary = "\(name(e.deletedBy)) deleted \(e.messageID) in \(e.chatID) at \(e.deletedAt.iso8601)"
        case .userErased(let e):
            chatID = nil
            involvedUsers = [e.userID]
            let reason = e.reason.map { "; reason: \($0)" } ?? ""
            summary = "\(name(e.userID)) erased at the request of \(e.requestedBy)\(reason)"
        }
    }

    /// A message's text, cut to fit a line.
    static func preview(_ content: String) -> String {
        content.count > 60 ? String(content.prefix(57)) + "..." : content
    }

    /// The members in `CodingKeys` order; `request_id` as the value the client sent (`"r18"`,
    /// `42`), not as the JSON text it is stored as.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(position, forKey: .position)
        try container.encode(recordedAt, forKey: .recordedAt)
        try container.encode(stream, forKey: .stream)
        try container.encode(type, forKey: .type)
        try container.encode(schemaVersion, forKey: .schemaVersion)
        try container.encodeIfPresent(actor, forKey: .actor)
        try container.encodeIfPresent(chatID, forKey: .chatID)
        try container.encode(involvedUsers, forKey: .involvedUsers)
        try container.encode(summary, forKey: .summary)
        if let requestID {
            switch try? JSONParser.parseValue(Array(requestID.utf8)) {
            case .string(let text)?: try container.encode(text, forKey: .requestID)
            case .integer(let number)?: try container.encode(number, forKey: .requestID)
            case .number(let number)? where number.isFinite: try container.encode(number, forKey: .requestID)
            default: try container.encode(requestID, forKey: .requestID)
            }
        }
        try container.encodeIfPresent(framing, forKey: .framing)
    }

    /// Whether `user` acted or is named in this event.
    public func concerns(_ user: UserID) -> Bool {
        actor == user.rawValue || involvedUsers.contains(user)
    }
}
