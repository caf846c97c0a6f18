import ChatDomain
import Foundation
import JSON
import Projections

/// The JSON of server pushes (protocol §5): `{"type": …, "position": …, "payload": {…}}`.
enum PushEncoder {
    struct Envelope<Payload: Encodable>: Encodable {
        var type: String
        var position: Int64?
        var payload: Payload?
    }

    // swift-format-ignore: AlwaysUseLowerCamelCase
    // Property names are the wire keys.
    struct MessagesRead: Encodable {
        var chat_session_id: ChatID
        var reader_id: UserID
        var up_to_message_id: MessageID
        var read_at: Timestamp
    }

    // swift-format-ignore: AlwaysUseLowerCamelCase
    // Property names are the wire keys.
    struct Membership: Encodable {
        var chat_session_id: ChatID
        var user_id: UserID
        var by: UserID
    }

    // swift-format-ignore: AlwaysUseLowerCamelCase
    // Property names are the wire keys.
    struct Typing: Encodable {
        var chat_session_id: ChatID
        var user_id: UserID
    }

    // swift-format-ignore: AlwaysUseLowerCamelCase
    // Property names are the wire keys.
    struct MessageEdited: Encodable {
        var chat_session_id: ChatID
        var message_id: MessageID
        var content: String
        var edited_at: Timestamp
        var editor_id: UserID
    }

    // swift-format-ignore: AlwaysUseLowerCamelCase
    // Property names are the wire keys.
    struct MessageDeleted: Encodable {
        var chat_session_id: ChatID
        var message_id: MessageID
        var deleted_at: Timestamp
        var deleted_by: UserID
    }

    struct Empty: Encodable {}

    static func encode<Payload: Encodable>(_ type: String, position: Int64?, payload: Payload?) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? Array(encoder.encode(Envelope(type: type, position: position, payload: payload)))) ?? []
    }

    /// `message:new`, the push of nearly every event: by hand, the encoder's bytes.
    static func messageNew(_ message: MessageView, position: Int64) -> [UInt8] {
        var json = CanonicalJSONWriter(capacity: message.content.utf8.count + 320)
        json.beginObject()
        json.key("payload")
        json.beginObject()
        json.key("chat_session_id")
        json.string(message.chatID.rawValue)
        json.key("content")
        json.string(message.content)
        json.key("deleted")
        json.bool(message.deleted)
        json.key("edited_at")
        json.string(message.editedAt)
        json.key("erased")
        json.bool(message.erased)
        json.key("id")
        json.string(message.id.rawValue)
        json.key("read_at")
        json.string(message.readAt)
        json.key("read_by")
        json.beginArray()
        for reader in message.readBy { json.string(reader.rawValue) }
        json.endArray()
        json.key("sender_id")
        json.string(message.senderID.rawValue)
        json.key("sender_username")
        json.string(message.senderUsername)
        json.key("timestamp")
        json.string(message.timestamp)
        json.endObject()
        json.key("position")
        json.integer(position)
        json.key("type")
        json.string("message:new")
        json.endObject()
        return json.bytes
    }

    /// `message:read`, by hand.
    static func messageRead(_ read: MessagesRead, position: Int64) -> [UInt8] {
        var json = CanonicalJSONWriter(capacity: 256)
        json.beginObject()
        json.key("payload")
        json.beginObject()
        json.key("chat_session_id")
        json.string(read.chat_session_id.rawValue)
        json.key("read_at")
        json.string(read.read_at.iso8601)
        json.key("reader_id")
        json.string(read.reader_id.rawValue)
        json.key("up_to_message_id")
        json.string(read.up_to_message_id.rawValue)
        json.endObject()
        json.key("position")
        json.integer(position)
        json.key("type")
        json.string("message:read")
        json.endObject()
        return json.bytes
    }
}
