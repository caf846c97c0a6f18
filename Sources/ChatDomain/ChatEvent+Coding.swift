import Foundation
import JSON

/// An event as bytes: what the log stores in `type`, `schema_version` and `data`.
public struct EncodedChatEvent: Sendable, Equatable {
    public var type: String
    public var schemaVersion: Int
    public var data: [UInt8]

    public init(type: String, schemaVersion: Int, data: [UInt8]) {
        self.type = type
        self.schemaVersion = schemaVersion
        self.data = data
    }
}

/// Why stored bytes could not be turned back into a ``ChatEvent``.
public enum ChatEventDecodingError: Error, Equatable, CustomStringConvertible {
    case unknownType(String)
    case unsupportedSchemaVersion(type: String, version: Int)
    case malformedData(type: String)

    public var description: String {
        switch self {
        case .unknownType(let type): "unknown event type '\(type)'"
        case .unsupportedSchemaVersion(let type, let version): "unsupported schema version \(version) of '\(type)'"
        case .malformedData(let type): "malformed data for '\(type)'"
        }
    }
}

extension ChatEvent {
    /// Encodes with sorted keys so the same event always has the same bytes; what a user
    /// wrote is sealed by `sealer` under their key.
    ///
    /// - Throws: when the author of sealed text has no key (an erased user).
    public func encoded(sealer: any TextSealer) throws -> EncodedChatEvent {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data
        switch self {
        case .userRegistered(let event):
            data = try encoder.encode(
                StoredUserRegistered(
                    userID: event.userID,
                    sealedUsername: try sealer.seal(
                        event.username, author: event.userID, context: SealingContext.username(event.userID)),
                    password: event.password, registeredAt: event.registeredAt))
        case .sessionStarted(let event): data = try encoder.encode(event)
        case .sessionEnded(let event): data = try encoder.encode(event)
        case .directChatCreated(let event): data = try encoder.encode(event)
        case .groupCreated(let event): data = try encoder.encode(event)
        case .memberAdded(let event): data = try encoder.encode(event)
        case .memberRemoved(let event): data = try encoder.encode(event)
        case .messageSent(let event):
            // The busiest event, written by hand; the same bytes as the encoder's.
            let sealed = try sealer.seal(
                event.content, author: event.senderID, context: SealingContext.messageContent(event.messageID))
            return EncodedChatEvent(
                type: kind.rawValue, schemaVersion: kind.currentSchemaVersion,
                data: event.canonicalJSON(sealedContent: sealed))
        case .messagesRead(let event): data = try encoder.encode(event)
        case .messageEdited(let event):
            data = try encoder.encode(
                StoredMessageEdited(
                    messageID: event.messageID, chatID: event.chatID, editorID: event.editorID,
                    sealedContent: try sealer.seal(
                        event.content, author: event.editorID, context: SealingContext.messageContent(event.messageID)),
                    editedAt: event.editedAt))
        case .messageDeleted(let event): data = try encoder.encode(event)
        case .userErased(let event): data = try encoder.encode(event)
        }
        return EncodedChatEvent(type: kind.rawValue, schemaVersion: kind.currentSchemaVersion, data: Array(data))
    }

    /// Decodes stored bytes, upcasting older schema versions to the current shape.
    ///
    /// Sealed text is opened with `opener`; where it cannot be (no opener, the author erased,
    /// their key not here) the event says so (`isErased`) and carries no text.
    public init(type: String, schemaVersion: Int, data: [UInt8], opener: (any TextSealer)? = nil) throws {
        guard let kind = Kind(rawValue: type) else { throw ChatEventDecodingError.unknownType(type) }
        guard schemaVersion >= 1, schemaVersion <= kind.currentSchemaVersion else {
            throw ChatEventDecodingError.unsupportedSchemaVersion(type: type, version: schemaVersion)
        }
        if let fast = Self.decodeFast(kind: kind, schemaVersion: schemaVersion, data: data, opener: opener) {
            self = fast
            return
        }
        let decoder = JSONDecoder()
        let bytes = Data(data)
        do {
            switch kind {
            case .userRegistered:
                if schemaVersion == 1 {
                    self = .userRegistered(try decoder.decode(UserRegistered.self, from: bytes))
                } else {
                    let stored = try decoder.decode(StoredUserRegistered.self, from: bytes)
                    let username = opener?.open(
                        stored.sealedUsername, author: stored.userID, context: SealingContext.username(stored.userID))
                    self = .userRegistered(
                        UserRegistered(
                            userID: stored.userID,
                            username: username ?? ErasedUser.placeholderName(for: stored.userID),
                            password: stored.password, registeredAt: stored.registeredAt, isErased: username == nil))
                }
            case .sessionStarted: self = .sessionStarted(try decoder.decode(SessionStarted.self, from: bytes))
            case .sessionEnded: self = .sessionEnded(try decoder.decode(SessionEnded.self, from: bytes))
            case .directChatCreated: self = .directChatCreated(try decoder.decode(DirectChatCreated.self, from: bytes))
            case .groupCreated: self = .groupCreated(try decoder.decode(GroupCreated.self, from: bytes))
            case .memberAdded: self = .memberAdded(try decoder.decode(MemberAdded.self, from: bytes))
            case .memberRemoved: self = .memberRemoved(try decoder.decode(MemberRemoved.self, from: bytes))
            case .messageSent:
                switch schemaVersion {
                case 1: self = .messageSent(try decoder.decode(MessageSentV1.self, from: bytes).upcast())
                case 2: self = .messageSent(try decoder.decode(MessageSent.self, from: bytes))
                default:
                    self = .messageSent(
                        try decoder.decode(StoredMessageSent.self, from: bytes).opened(with: opener))
                }
            case .messagesRead: self = .messagesRead(try decoder.decode(MessagesRead.self, from: bytes))
            case .messageEdited:
                let stored = try decoder.decode(StoredMessageEdited.self, from: bytes)
                let content = opener?.open(
                    stored.sealedContent, author: stored.editorID,
                    context: SealingContext.messageContent(stored.messageID))
                self = .messageEdited(
                    MessageEdited(
                        messageID: stored.messageID, chatID: stored.chatID, editorID: stored.editorID,
                        content: content ?? "", editedAt: stored.editedAt, isErased: content == nil))
            case .messageDeleted: self = .messageDeleted(try decoder.decode(MessageDeleted.self, from: bytes))
            case .userErased: self = .userErased(try decoder.decode(UserErased.self, from: bytes))
            }
        } catch is DecodingError {
            throw ChatEventDecodingError.malformedData(type: type)
        }
    }
}

extension ChatEvent {
    /// The high-volume events through ``JSONParser`` (decoding them dominates rebuilds and the
    /// live projection); `nil` sends the caller to `JSONDecoder`, whose errors stay the
    /// reference, as does its reading of anything unusual (a repeated key, a wrong type).
    static func decodeFast(kind: Kind, schemaVersion: Int, data: [UInt8], opener: (any TextSealer)?) -> ChatEvent? {
        guard kind == .messageSent || kind == .messagesRead,
            let object = try? JSONParser.parseObject(data).object, !object.hasRepeatedKeys
        else { return nil }
        func timestamp(_ key: String) -> Timestamp? { object.string(key).flatMap(Timestamp.init(iso8601:)) }
        switch kind {
        case .messageSent:
            let textKey = ["text", "content", "sealed_content"][schemaVersion - 1]
            guard let messageID = object.string("message_id"), let chatID = object.string("chat_id"),
                let senderID = object.string("sender_id"), let text = object.string(textKey),
                let sentAt = timestamp("sent_at")
            else { return nil }
            let clientMessageID = schemaVersion == 1 ? nil : object.string("client_message_id")
            if clientMessageID == nil, schemaVersion != 1, let present = object["client_message_id"], present != .null {
                return nil
            }
            var content: String? = text
            if schemaVersion == 3 {
                content = opener?.open(
                    text, author: UserID(senderID), context: SealingContext.messageContent(MessageID(messageID)))
            }
            return .messageSent(
                MessageSent(
                    messageID: MessageID(messageID), chatID: ChatID(chatID), senderID: UserID(senderID),
                    content: content ?? "", clientMessageID: clientMessageID, sentAt: sentAt,
                    isErased: content == nil))
        case .messagesRead:
            guard let chatID = object.string("chat_id"), let readerID = object.string("reader_id"),
                let upTo = object.string("up_to_message_id"), let readAt = timestamp("read_at")
            else { return nil }
            return .messagesRead(
                MessagesRead(
                    chatID: ChatID(chatID), readerID: UserID(readerID), upToMessageID: MessageID(upTo), readAt: readAt))
        default:
            return nil
        }
    }
}

/// `message_sent` version 3, as the log stores it: the text sealed under the sender's key.
struct StoredMessageSent: Decodable {
    var messageID: MessageID
    var chatID: ChatID
    var senderID: UserID
    var sealedContent: String
    var clientMessageID: String?
    var sentAt: Timestamp

    enum CodingKeys: String, CodingKey {
        case messageID = "message_id"
        case chatID = "chat_id"
        case senderID = "sender_id"
        case sealedContent = "sealed_content"
        case clientMessageID = "client_message_id"
        case sentAt = "sent_at"
    }

    func opened(with opener: (any TextSealer)?) -> MessageSent {
        let content = opener?.open(
            sealedContent, author: senderID, context: SealingContext.messageContent(messageID))
        return MessageSent(
            messageID: messageID, chatID: chatID, senderID: senderID, content: content ?? "",
            clientMessageID: clientMessageID, sentAt: sentAt, isErased: content == nil)
    }
}

/// `message_sent` as written by schema version 1: the text was called `text` and there
/// was no client idempotency key.
struct MessageSentV1: Decodable {
    var messageID: MessageID
    var chatID: ChatID
    var senderID: UserID
    var text: String
    var sentAt: Timestamp

    enum CodingKeys: String, CodingKey {
        case messageID = "message_id"
        case chatID = "chat_id"
        case senderID = "sender_id"
        case text
        case sentAt = "sent_at"
    }

    func upcast() -> MessageSent {
        MessageSent(
            messageID: messageID, chatID: chatID, senderID: senderID, content: text, clientMessageID: nil,
            sentAt: sentAt)
    }
}
