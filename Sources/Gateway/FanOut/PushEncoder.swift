import ChatDomain
import Foundation
import Projections

/// The JSON of server pushes (§5): `{"type": …, "position": …, "payload": {…}}`.
enum PushEncoder {
    struct Envelope<Payload: Encodable>: Encodable {
        var type: String
        var position: Int64?
        var payload: Payload?
    }

    struct NewMessage: Encodable {
        var id: MessageID
        var chat_session_id: ChatID
        var sender_id: UserID
        var sender_username: String
        var content: String
        var timestamp: Timestamp
        var read_by: [UserID]
        var read_at: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(chat_session_id, forKey: .chat_session_id)
            try container.encode(sender_id, forKey: .sender_id)
            try container.encode(sender_username, forKey: .sender_username)
            try container.encode(content, forKey: .content)
            try container.encode(timestamp, forKey: .timestamp)
            try container.encode(read_by, forKey: .read_by)
            try container.encode(read_at, forKey: .read_at)  // explicit null
        }

        enum CodingKeys: String, CodingKey {
            case id, chat_session_id, sender_id, sender_username, content, timestamp, read_by, read_at
        }
    }

    struct MessagesRead: Encodable {
        var chat_session_id: ChatID
        var reader_id: UserID
        var up_to_message_id: MessageID
        var read_at: Timestamp
    }

    struct Membership: Encodable {
        var chat_session_id: ChatID
        var user_id: UserID
        var by: UserID
    }

    struct Typing: Encodable {
        var chat_session_id: ChatID
        var user_id: UserID
    }

    struct Empty: Encodable {}

    static func encode<Payload: Encodable>(_ type: String, position: Int64?, payload: Payload?) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? Array(encoder.encode(Envelope(type: type, position: position, payload: payload)))) ?? []
    }
}
