import ChatDomain
import EventStore
import Foundation
import JSON
import Projections
import Testing

@testable import Gateway

/// The hand-written encodings of the busiest JSON must be byte for byte what `JSONEncoder`
/// (sorted keys, slashes unescaped) writes: events are hashed, and clients see one form.
@Suite struct CanonicalEncodingTests {
    /// Strings that exercise every escaping rule.
    static let awkward = [
        "plain", "", "quote \" backslash \\ slash /", "controls \u{0}\u{1}\u{8}\u{9}\u{A}\u{B}\u{C}\u{D}\u{1F}\u{7F}",
        "é中😀 \u{2028}\u{2029} \u{FEFF}", "</script>",
    ]

    private var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    private func text(_ bytes: some Sequence<UInt8>) -> String { String(decoding: Array(bytes), as: UTF8.self) }

    /// "Seals" text as itself, so the hand-written bytes can be compared with the encoder's.
    struct PlainSealer: TextSealer {
        func seal(_ text: String, author: UserID, context: String) throws -> String { text }
        func open(_ sealed: String, author: UserID, context: String) -> String? { sealed }
    }

    // swift-format-ignore: AlwaysUseLowerCamelCase
    // Property names are the stored keys.
    /// `message_sent` version 3 as `JSONEncoder` writes it.
    struct StoredMessage: Encodable {
        var chat_id: ChatID
        var client_message_id: String?
        var message_id: MessageID
        var sealed_content: String
        var sender_id: UserID
        var sent_at: Timestamp
    }

    @Test(arguments: awkward) func messageSentData(content: String) throws {
        for clientID in [nil, "c-1", content] {
            let sent = MessageSent(
                messageID: MessageID("m/1"), chatID: ChatID("g\"1"), senderID: UserID("u1"), content: content,
                clientMessageID: clientID, sentAt: Timestamp(millisecondsSinceEpoch: 1_764_000_000_123))
            let reference = StoredMessage(
                chat_id: sent.chatID, client_message_id: clientID, message_id: sent.messageID, sealed_content: content,
                sender_id: sent.senderID, sent_at: sent.sentAt)
            #expect(
                text(try ChatEvent.messageSent(sent).encoded(sealer: PlainSealer()).data)
                    == text(try encoder.encode(reference)))
        }
    }

    @Test(arguments: awkward) func metadata(value: String) throws {
        let full = EventMetadata(
            actor: value, requestID: "1.50", causationID: "c", correlationID: value, framing: "websocket",
            connectionID: "k")
        for metadata in [full, EventMetadata(), EventMetadata(actor: "u1", framing: "tcp")] {
            #expect(text(try metadata.encoded()) == text(try encoder.encode(metadata)))
            #expect(try EventMetadata.decode(metadata.encoded()) == metadata, "read back as written")
        }
    }

    @Test(arguments: awkward) func messagePushes(content: String) throws {
        for (readBy, readAt) in [
            ([UserID](), String?.none), ([UserID("u2"), UserID("u3")], "2026-11-28T10:00:00.000Z"),
        ] {
            let view = MessageView(
                id: MessageID("m1"), chatID: ChatID("g1"), senderID: UserID("u1"), senderUsername: content,
                content: content,
                timestamp: "2026-11-28T10:00:00.000Z", readBy: readBy, readAt: readAt, position: 7)
            #expect(
                text(PushEncoder.messageNew(view, position: 7))
                    == text(PushEncoder.encode("message:new", position: 7, payload: view)))
        }
        let read = PushEncoder.MessagesRead(
            chat_session_id: ChatID(content), reader_id: UserID("u2"), up_to_message_id: MessageID("m1"),
            read_at: Timestamp(millisecondsSinceEpoch: 0))
        #expect(
            text(PushEncoder.messageRead(read, position: 9))
                == text(PushEncoder.encode("message:read", position: 9, payload: read)))
    }

    @Test func messageAck() throws {
        for duplicate in [false, true] {
            let result = ChatService.MessageResult(
                message_id: MessageID("m\"1"), timestamp: "2026-11-28T10:00:00.000Z", position: 1 << 40,
                duplicate: duplicate)
            #expect(text(result.canonicalJSON) == text(try encoder.encode(result)))
        }
    }
}
