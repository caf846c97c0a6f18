/// A JSON object whose values are all strings or `null`, parsed without Foundation.
///
/// Decoding `message_sent` and `messages_read` dominates rebuilds and the live projection,
/// and Foundation's `JSONDecoder` spends most of that time on its generic machinery. These
/// events are flat objects of strings, so they take this path; anything else (nesting,
/// numbers, a malformed byte) makes the parser give up, and the caller falls back to
/// `JSONDecoder`, whose errors stay the reference.
struct FlatJSONObject {
    /// Members in order: the key's raw bytes (keys with escapes are refused) and the value.
    private var members: [(key: ArraySlice<UInt8>, value: String?)] = []

    /// `nil` unless `bytes` is exactly one object of string or null values.
    init?(_ bytes: [UInt8]) {
        var parser = Parser(bytes: bytes)
        guard let members = parser.parseObject() else { return nil }
        self.members = members
    }

    /// The string at `key`; `nil` when absent or null.
    func string(_ key: StaticString) -> String? {
        let wanted = UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
        for member in members where member.key.elementsEqual(wanted) { return member.value }
        return nil
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0a, 0x0d: index += 1
                default: return
                }
            }
        }

        mutating func consume(_ byte: UInt8) -> Bool {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        mutating func parseObject() -> [(key: ArraySlice<UInt8>, value: String?)]? {
            guard consume(UInt8(ascii: "{")) else { return nil }
            var members = [(key: ArraySlice<UInt8>, value: String?)]()
            members.reserveCapacity(8)
            if consume(UInt8(ascii: "}")) { return finish(members) }
            repeat {
                skipWhitespace()
                guard let key = parseRawKey(), consume(UInt8(ascii: ":")) else { return nil }
                guard !members.contains(where: { $0.key.elementsEqual(key) }) else { return nil }
                skipWhitespace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: "n") {
                    guard index + 4 <= bytes.count, bytes[index + 1] == UInt8(ascii: "u"),
                        bytes[index + 2] == UInt8(ascii: "l"), bytes[index + 3] == UInt8(ascii: "l")
                    else { return nil }
                    index += 4
                    members.append((key, nil))
                } else {
                    guard let value = parseString() else { return nil }
                    members.append((key, value))
                }
            } while consume(UInt8(ascii: ","))
            guard consume(UInt8(ascii: "}")) else { return nil }
            return finish(members)
        }

        mutating func finish(_ members: [(key: ArraySlice<UInt8>, value: String?)]) -> [(key: ArraySlice<UInt8>, value: String?)]? {
            skipWhitespace()
            return index == bytes.count ? members : nil
        }

        /// A key without escapes, as its bytes between the quotes.
        mutating func parseRawKey() -> ArraySlice<UInt8>? {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
            let start = index + 1
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 {
                end += 1
            }
            guard end < bytes.count, bytes[end] == UInt8(ascii: "\"") else { return nil }
            index = end + 1
            return bytes[start..<end]
        }

        /// A string starting at its opening quote.
        mutating func parseString() -> String? {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
            index += 1
            let start = index
            // Fast path: no escapes.
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let text = bytes[start..<index]
                    index += 1
                    return validUTF8(text)
                }
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 { return nil }
                index += 1
            }
            var out = Array(bytes[start..<index])
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return validUTF8(out[...])
                case UInt8(ascii: "\\"):
                    index += 1
                    guard index < bytes.count else { return nil }
                    let escaped = bytes[index]
                    index += 1
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escaped)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0c)
                    case UInt8(ascii: "n"): out.append(0x0a)
                    case UInt8(ascii: "r"): out.append(0x0d)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        guard let scalar = parseUnicodeEscape() else { return nil }
                        out.append(contentsOf: Array(String(Character(scalar)).utf8))
                    default: return nil
                    }
                default:
                    if byte < 0x20 { return nil }
                    out.append(byte)
                    index += 1
                }
            }
            return nil
        }

        /// After `\u`: four hex digits, or a surrogate pair as two escapes.
        mutating func parseUnicodeEscape() -> Unicode.Scalar? {
            guard let high = parseHex4() else { return nil }
            if (0xD800...0xDBFF).contains(high) {
                guard index + 2 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                else { return nil }
                index += 2
                guard let low = parseHex4(), (0xDC00...0xDFFF).contains(low) else { return nil }
                return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
            }
            return Unicode.Scalar(high)
        }

        mutating func parseHex4() -> UInt32? {
            guard index + 4 <= bytes.count else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: return nil
                }
                value = value << 4 | UInt32(digit)
                index += 1
            }
            return value
        }

        func validUTF8(_ bytes: ArraySlice<UInt8>) -> String? {
            String(validating: bytes, as: UTF8.self)
        }
    }
}
