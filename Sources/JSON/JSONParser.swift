/// The project's one JSON reader: a strict RFC 8259 parser in one pass over the bytes.
///
/// Foundation's `JSONDecoder` cost about 90 µs per command (every failed `try? decode`
/// builds an error) and dominated rebuilds; this parser is used for client commands, for
/// the events the projections decode most, and for import. Where exact bytes matter — a
/// client's `request_id` is echoed verbatim, and an imported event's `data` is hashed as
/// stored — it reports the byte span of the top-level members asked for.
///
/// Strict: no trailing commas, comments, leading zeros, lone surrogates, unescaped control
/// characters or invalid UTF-8; nesting is limited so hostile input cannot exhaust the stack.
public struct JSONParser {
    public struct Malformed: Error, Equatable {
        public init() {}
    }

    /// A top-level object and the byte spans of the members that were asked for.
    public struct ParsedObject: Sendable {
        public var object: JSONObject
        /// For each requested key present, the range of its value in the input.
        public var spans: [String: Range<Int>]
    }

    public static let maxDepth = 64

    /// Exactly one JSON object (with surrounding whitespace); `spansOf` names the top-level
    /// members whose value bytes the caller needs.
    public static func parseObject(_ bytes: [UInt8], spansOf keys: [String] = []) throws(Malformed) -> ParsedObject {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        guard parser.peek() == UInt8(ascii: "{") else { throw Malformed() }
        var spans = [String: Range<Int>]()
        let object = try parser.parseObject(depth: 1) { key, start, end in
            if !keys.isEmpty, keys.contains(key) { spans[key] = start..<end }
        }
        parser.skipWhitespace()
        guard parser.index == bytes.endIndex else { throw Malformed() }
        return ParsedObject(object: object, spans: spans)
    }

    /// Any JSON text.
    public static func parseValue(_ bytes: [UInt8]) throws(Malformed) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.endIndex else { throw Malformed() }
        return value
    }

    private let bytes: [UInt8]
    private var index: Int

    private init(bytes: [UInt8]) {
        self.bytes = bytes
        index = bytes.startIndex
    }

    private func peek() -> UInt8? { index < bytes.endIndex ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while index < bytes.endIndex {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func expect(_ byte: UInt8) throws(Malformed) {
        guard peek() == byte else { throw Malformed() }
        index += 1
    }

    private mutating func parseValue(depth: Int) throws(Malformed) -> JSONValue {
        skipWhitespace()
        guard let byte = peek() else { throw Malformed() }
        switch byte {
        case UInt8(ascii: "{"): return .object(try parseObject(depth: depth + 1) { _, _, _ in })
        case UInt8(ascii: "["): return .array(try parseArray(depth: depth + 1))
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        default: return try parseNumber()
        }
    }

    /// Parses `{…}`; `member` sees each key with the byte range of its value.
    private mutating func parseObject(
        depth: Int, member: (String, Int, Int) -> Void
    ) throws(Malformed) -> JSONObject {
        guard depth <= Self.maxDepth else { throw Malformed() }
        try expect(UInt8(ascii: "{"))
        var object = JSONObject()
        // Most objects here have a handful of members: grow once, not at 1, 2, 4 and 8.
        object.reserveCapacity(8)
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            return object
        }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw Malformed() }
            let key = try parseString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            let start = index
            let value = try parseValue(depth: depth)
            member(key, start, index)
            object.append(JSONObject.Member(key: key, value: value))
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return object
            default: throw Malformed()
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(Malformed) -> [JSONValue] {
        guard depth <= Self.maxDepth else { throw Malformed() }
        try expect(UInt8(ascii: "["))
        var array = [JSONValue]()
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            return array
        }
        while true {
            array.append(try parseValue(depth: depth))
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return array
            default: throw Malformed()
            }
        }
    }

    private mutating func literal(_ word: StaticString) throws(Malformed) {
        let count = word.utf8CodeUnitCount
        guard bytes.endIndex - index >= count else { throw Malformed() }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { throw Malformed() }
        index += count
    }

    private mutating func parseNumber() throws(Malformed) -> JSONValue {
        let start = index
        var isInteger = true
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let first = peek(), isDigit(first) else { throw Malformed() }
        index += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        if peek() == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard let digit = peek(), isDigit(digit) else { throw Malformed() }
            skipDigits()
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard let digit = peek(), isDigit(digit) else { throw Malformed() }
            skipDigits()
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger, let integer = Int64(text) { return .integer(integer) }
        // The grammar was checked above, so this only fails on magnitude: beyond a Double is
        // still a valid number.
        return .number(Double(text) ?? (bytes[start] == UInt8(ascii: "-") ? -.infinity : .infinity))
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func skipDigits() {
        while let byte = peek(), isDigit(byte) { index += 1 }
    }

    /// Parses a string starting at its opening quote.
    private mutating func parseString() throws(Malformed) -> String {
        index += 1
        let start = index
        // Fast path: no escapes, so the bytes are the string. Scanned through a buffer
        // pointer and made into a string without an intermediate slice: this loop is most of
        // the parser's time.
        let (stop, fast): (Int, String??) = bytes.withUnsafeBufferPointer { buffer in
            var end = start
            var union: UInt8 = 0
            while end < buffer.count {
                let byte = buffer[end]
                if byte == UInt8(ascii: "\"") {
                    let text = UnsafeBufferPointer(rebasing: buffer[start..<end])
                    return (end + 1, .some(Self.string(text, isASCII: union < 0x80)))
                }
                if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
                union |= byte
                end += 1
            }
            return (end, .none)
        }
        index = stop
        if let fast {
            guard let fast else { throw Malformed() }
            return fast
        }
        // Stopped at an escape (the slow path below), a control character or the end.
        guard index < bytes.endIndex, bytes[index] == UInt8(ascii: "\\") else { throw Malformed() }
        var unescaped = Array(bytes[start..<index])
        while index < bytes.endIndex {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return try validated(unescaped[...])
            case UInt8(ascii: "\\"):
                guard let escape = peek() else { throw Malformed() }
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): unescaped.append(escape)
                case UInt8(ascii: "b"): unescaped.append(0x08)
                case UInt8(ascii: "f"): unescaped.append(0x0C)
                case UInt8(ascii: "n"): unescaped.append(0x0A)
                case UInt8(ascii: "r"): unescaped.append(0x0D)
                case UInt8(ascii: "t"): unescaped.append(0x09)
                case UInt8(ascii: "u"): unescaped.append(contentsOf: try unicodeEscape())
                default: throw Malformed()
                }
            default:
                guard byte >= 0x20 else { throw Malformed() }
                unescaped.append(byte)
            }
        }
        throw Malformed()
    }

    /// `\uXXXX` (after the `u`), with a following low surrogate when it is a high one.
    private mutating func unicodeEscape() throws(Malformed) -> [UInt8] {
        let unit = try hexQuad()
        var scalarValue = UInt32(unit)
        if (0xD800...0xDBFF).contains(unit) {
            guard bytes.endIndex - index >= 6, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
            else { throw Malformed() }
            index += 2
            let low = try hexQuad()
            guard (0xDC00...0xDFFF).contains(low) else { throw Malformed() }
            scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(unit) {
            throw Malformed()
        }
        guard let scalar = Unicode.Scalar(scalarValue) else { throw Malformed() }
        return Array(String(Character(scalar)).utf8)
    }

    private mutating func hexQuad() throws(Malformed) -> UInt16 {
        guard bytes.endIndex - index >= 4 else { throw Malformed() }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw Malformed()
            }
            value = value << 4 | UInt16(digit)
            index += 1
        }
        return value
    }

    /// The string of `utf8`, refusing invalid UTF-8.
    private func validated(_ utf8: ArraySlice<UInt8>) throws(Malformed) -> String {
        let string: String? = utf8.withUnsafeBufferPointer { buffer in
            var union: UInt8 = 0
            for byte in buffer { union |= byte }
            return Self.string(buffer, isASCII: union < 0x80)
        }
        guard let string else { throw Malformed() }
        return string
    }

    /// `nil` for invalid UTF-8. ASCII, most of what is parsed here, skips
    /// `String(validating:)`, which costs about three times as much (measured).
    private static func string(_ utf8: UnsafeBufferPointer<UInt8>, isASCII: Bool) -> String? {
        isASCII ? String(decoding: utf8, as: UTF8.self) : String(validating: utf8, as: UTF8.self)
    }
}
