import Foundation
import Testing

@testable import ChatDomain

/// The fast path for high-volume events must decode exactly what `JSONDecoder` decodes.
@Suite struct FastDecodingTests {
    static let contents = [
        #"plain"#, #"quote \" backslash \\ slash \/ done"#, #"controls \b\f\n\r\t"#, #"\u00e9\u4e2d\ud83d\ude00"#,
        "raw UTF-8 é 中 😀", #"\u0000 nul"#,
    ]

    @Test(arguments: contents)
    func messagesDecodeLikeJSONDecoder(_ content: String) throws {
        for clientID in [#""client_message_id":"c-1","#, #""client_message_id":null,"#, ""] {
            let json =
                #"{"chat_id":"g1",\#(clientID)"content":"\#(content)","message_id":"m1","sender_id":"u1","sent_at":"2026-11-28T10:30:00.000Z"}"#
            let fast = try #require(
                ChatEvent.decodeFast(kind: .messageSent, schemaVersion: 2, data: Array(json.utf8), opener: nil))
            let reference = try JSONDecoder().decode(MessageSent.self, from: Data(json.utf8))
            #expect(fast == .messageSent(reference))
        }
    }

    @Test func readReceiptsDecodeLikeJSONDecoder() throws {
        let json =
            #" { "chat_id" : "g1", "reader_id":"u2" ,"up_to_message_id":"m9","read_at":"2026-11-28T10:30:00.000Z"} "#
        let fast = try #require(
            ChatEvent.decodeFast(kind: .messagesRead, schemaVersion: 1, data: Array(json.utf8), opener: nil))
        #expect(fast == .messagesRead(try JSONDecoder().decode(MessagesRead.self, from: Data(json.utf8))))
    }

    @Test(arguments: [
        #"{"chat_id":"g1","content":"x","message_id":"m1","sender_id":"u1","sent_at":"bad"}"#,
        #"{"chat_id":"g1","content":7,"message_id":"m1","sender_id":"u1","sent_at":"2026-11-28T10:30:00.000Z"}"#,
        #"{"chat_id":"g1","content":"x","content":"y","message_id":"m1","sender_id":"u1","sent_at":"2026-11-28T10:30:00.000Z"}"#,
        #"{"chat_id":"g1","content":"x\q","message_id":"m1","sender_id":"u1","sent_at":"2026-11-28T10:30:00.000Z"}"#,
        #"{"chat_id":"g1","content":"x","message_id":"m1","sender_id":"u1","sent_at":"2026-11-28T10:30:00.000Z"} trailing"#,
        #"{"chat_id":"g1","message_id":"m1","sender_id":"u1","sent_at":"2026-11-28T10:30:00.000Z"}"#,
        #"{"chat_id":"g1","content":"\ud83d","message_id":"m1","sender_id":"u1","sent_at":"2026-11-28T10:30:00.000Z"}"#,
    ])
    func anythingUnusualFallsBackToJSONDecoder(_ json: String) {
        #expect(ChatEvent.decodeFast(kind: .messageSent, schemaVersion: 2, data: Array(json.utf8), opener: nil) == nil)
    }

    @Test func invalidUTF8FallsBack() {
        var bytes = Array(
            #"{"chat_id":"g1","content":"x","message_id":"m1","sender_id":"u1","sent_at":"2026-11-28T10:30:00.000Z"}"#
                .utf8)
        bytes[27] = 0xff  // the "x" of content
        #expect(ChatEvent.decodeFast(kind: .messageSent, schemaVersion: 2, data: bytes, opener: nil) == nil)
    }
}
