import Foundation
import NIOCore

/// Reads the few fields the load generator needs straight from the server's bytes:
/// decoding every reply as JSON would make the client, not the server, the bottleneck.
enum ReplyScanner {
    enum Kind {
        case ok, error, messageNew, otherPush
    }

    static func kind(of message: ByteBuffer) -> Kind {
        if hasPrefix(message, #"{"status":"ok""#) { return .ok }
        if hasPrefix(message, #"{"status":"error""#) { return .error }
        if hasPrefix(message, #"{"type":"message:new""#) { return .messageNew }
        // Key order is the server's choice: fall back to a search.
        if contains(message, #""status":"ok""#) { return .ok }
        if contains(message, #""status":"error""#) { return .error }
        if contains(message, #""type":"message:new""#) { return .messageNew }
        return .otherPush
    }

    /// Whether a push is `chat:new`.
    static func isChatNew(_ message: ByteBuffer) -> Bool {
        hasPrefix(message, #"{"type":"chat:new""#) || contains(message, #""type":"chat:new""#)
    }

    /// The integer `request_id` of a reply, if it has one.
    static func requestID(in message: ByteBuffer) -> Int? {
        integer(after: requestIDKey, in: message)
    }

    /// The sequence number a load message carries at the start of its `content`.
    static func contentSequence(in message: ByteBuffer) -> Int? {
        integer(after: contentKey, in: message)
    }

    /// The error `code` of an error reply.
    static func errorCode(in message: ByteBuffer) -> String {
        message.withUnsafeReadableBytes { bytes in
            guard let start = find(codeKey, in: bytes) else { return "unknown" }
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "\"") { end += 1 }
            return String(decoding: bytes[start..<end], as: UTF8.self)
        }
    }

    private static let requestIDKey = Array(#""request_id":"#.utf8)
    private static let contentKey = Array(#""content":""#.utf8)
    private static let codeKey = Array(#""code":""#.utf8)

    private static func integer(after key: [UInt8], in message: ByteBuffer) -> Int? {
        message.withUnsafeReadableBytes { bytes in
            guard var index = find(key, in: bytes) else { return nil }
            var value = 0
            var digits = 0
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                value = value &* 10 &+ Int(bytes[index] &- UInt8(ascii: "0"))
                index += 1
                digits += 1
            }
            return digits > 0 ? value : nil
        }
    }

    /// The index just past the first occurrence of `needle`.
    private static func find(_ needle: [UInt8], in bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count >= needle.count, let first = needle.first else { return nil }
        var index = 0
        let last = bytes.count - needle.count
        while index <= last {
            if bytes[index] == first {
                var matched = 1
                while matched < needle.count, bytes[index + matched] == needle[matched] { matched += 1 }
                if matched == needle.count { return index + needle.count }
            }
            index += 1
        }
        return nil
    }

    private static func hasPrefix(_ message: ByteBuffer, _ prefix: StaticString) -> Bool {
        guard message.readableBytes >= prefix.utf8CodeUnitCount else { return false }
        return message.withUnsafeReadableBytes { bytes in
            prefix.withUTF8Buffer { prefix in
                memcmp(bytes.baseAddress!, prefix.baseAddress!, prefix.count) == 0
            }
        }
    }

    private static func contains(_ message: ByteBuffer, _ needle: String) -> Bool {
        message.withUnsafeReadableBytes { find(Array(needle.utf8), in: $0) != nil }
    }
}
