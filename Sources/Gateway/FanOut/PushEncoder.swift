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
