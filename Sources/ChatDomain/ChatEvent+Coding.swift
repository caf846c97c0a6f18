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
    /// Encodes with sorted keys so the same event always has the same bytes.
    public func encoded() throws -> EncodedChatEvent {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data
        switch self {
        case .userRegistered(let event): data = try encoder.encode(event)
        case .sessionStarted(let event): data = try encoder.encode(event)
        case .sessionEnded(let event): data = try encoder.encode(event)
        case .directChatCreated(let event): data = try encoder.encode(event)
        case .groupCreated(let event): data = try encoder.encode(event)
        case .memberAdded(let event): data = try encoder.encode(event)
        case .memberRemoved(let event): data = try encoder.encode(event)
        case .messageSent(let event):
            // The busiest event, written by hand; the same bytes as the encoder's.
            return EncodedChatEvent(
                type: kind.rawValue, schemaVersion: kind.currentSchemaVersion, data: event.canonicalJSON)
        case .messagesRead(let event): data = try encoder.encode(event)
        case .messageEdited(let event): data = try encoder.encode(event)
        case .messageDeleted(let event): data = try encoder.encode(event)
        }
        return EncodedChatEvent(type: kind.rawValue, schemaVersion: kind.currentSchemaVersion, data: Array(data))
    }

    /// Decodes stored bytes, upcasting older schema versions to the current shape.
    public init(type: String, schemaVersion: Int, data: [UInt8]) throws {
        guard let kind = Kind(rawValue: type) else { throw ChatEventDecodingError.unknownType(type) }
        guard schemaVersion >= 1, schemaVersion <= kind.currentSchemaVersion else {
            throw ChatEventDecodingError.unsupportedSchemaVersion(type: type, version: schemaVersion)
        }
        if let fast = Self.decodeFast(kind: kind, schemaVersion: schemaVersion, data: data) {
            self = fast
            return
        }
        let decoder = JSONDecoder()
        let bytes = Data(data)
        do {
            switch kind {
            case .userRegistered: self = .userRegistered(try decoder.decode(UserRegistered.self, from: bytes))
            case .sessionStarted: self = .sessionStarted(try decoder.decode(SessionStarted.self, from: bytes))
            case .sessionEnded: self = .sessionEnded(try decoder.decode(SessionEnded.self, from: bytes))
            case .directChatCreated: self = .directChatCreated(try decoder.decode(DirectChatCreated.self, from: bytes))
            case .groupCreated: self = .groupCreated(try decoder.decode(GroupCreated.self, from: bytes))
            case .memberAdded: self = .memberAdded(try decoder.decode(MemberAdded.self, from: bytes))
            case .memberRemoved: self = .memberRemoved(try decoder.decode(MemberRemoved.self, from: bytes))
            case .messageSent:
                if schemaVersion == 1 {
                    self = .messageSent(try decoder.decode(MessageSentV1.self, from: bytes).upcast())
                } else {
                    self = .messageSent(try decoder.decode(MessageSent.self, from: bytes))
                }
            case .messagesRead: self = .messagesRead(try decoder.decode(MessagesRead.self, from: bytes))
            case .messageEdited: self = .messageEdited(try decoder.decode(MessageEdited.self, from: bytes))
            case .messageDeleted: self = .messageDeleted(try decoder.decode(MessageDeleted.self, from: bytes))
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
    static func decodeFast(kind: Kind, schemaVersion: Int, data: [UInt8]) -> ChatEvent? {
        guard kind == .messageSent || kind == .messagesRead,
            let object = try? JSONParser.parseObject(data).object, !object.hasRepeatedKeys
        else { return nil }
        func timestamp(_ key: String) -> Timestamp? { object.string(key).flatMap(Timestamp.init(iso8601:)) }
        switch kind {
        case .messageSent:
            guard let messageID = object.string("message_id"), let chatID = object.string("chat_id"),
                let senderID = object.string("sender_id"),
                let content = schemaVersion == 1 ? object.string("text") : object.string("content"),
                let sentAt = timestamp("sent_at")
            else { return nil }
            let clientMessageID = schemaVersion == 1 ? nil : object.string("client_message_id")
            if clientMessageID == nil, schemaVersion != 1, let present = object["client_message_id"], present != .null {
                return nil
            }
            return .messageSent(
                MessageSent(
                    messageID: MessageID(messageID), chatID: ChatID(chatID), senderID: UserID(senderID),
                    content: content,
                    clientMessageID: clientMessageID, sentAt: sentAt))
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
