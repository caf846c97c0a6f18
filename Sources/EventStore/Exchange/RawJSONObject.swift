import Foundation

/// The top-level members of a JSON object, each as the exact bytes of its value.
///
/// Import needs an event's `data` and `metadata` byte for byte, because the hash chain
/// covers those bytes; decoding and re-encoding could change key order or escaping. The
/// gateway uses it to echo a client's `request_id` verbatim.
///
/// Values are skipped structurally, not validated: pair it with a real JSON parser.
public struct RawJSONObject: Sendable {
    /// The bytes are not one JSON object.
    public struct Malformed: Error {}

    /// Each top-level key's value, as the exact bytes of the input.
    public private(set) var members: [String: ArraySlice<UInt8>] = [:]

    public init(_ bytes: [UInt8]) throws(Malformed) {
        var index = bytes.startIndex
        func skipWhitespace() {
            while index < bytes.endIndex, [0x20, 0x09, 0x0a, 0x0d].contains(bytes[index]) { index += 1 }
        }
        func expect(_ byte: UInt8) throws(Malformed) {
            skipWhitespace()
            guard index < bytes.endIndex, bytes[index] == byte else { throw Malformed() }
            index += 1
        }
        /// Moves past a string starting at `index` (on its opening quote).
        func skipString() throws(Malformed) {
            index += 1
            while index < bytes.endIndex {
                switch bytes[index] {
                case UInt8(ascii: "\\"): index += 2
                case UInt8(ascii: "\""):
                    index += 1
                    return
                default: index += 1
                }
            }
            throw Malformed()
        }
        func skipValue() throws(Malformed) {
            skipWhitespace()
            guard index < bytes.endIndex else { throw Malformed() }
            switch bytes[index] {
            case UInt8(ascii: "\""):
                try skipString()
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                repeat {
                    guard index < bytes.endIndex else { throw Malformed() }
                    switch bytes[index] {
                    case UInt8(ascii: "\""):
                        try skipString()
                        continue
                    case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
                    default: break
                    }
                    index += 1
                } while depth > 0
            default:
                let start = index
                while index < bytes.endIndex, !",}] \t\r\n".utf8.contains(bytes[index]) { index += 1 }
                guard index > start else { throw Malformed() }
            }
        }

        try expect(UInt8(ascii: "{"))
        skipWhitespace()
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: "}") { return }
        while true {
            skipWhitespace()
            guard index < bytes.endIndex, bytes[index] == UInt8(ascii: "\"") else { throw Malformed() }
            let keyStart = index
            try skipString()
            guard let key = try? JSONDecoder().decode(String.self, from: Data(bytes[keyStart..<index])) else { throw Malformed() }
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            let valueStart = index
            try skipValue()
            members[key] = bytes[valueStart..<index]
            skipWhitespace()
            guard index < bytes.endIndex else { throw Malformed() }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            try expect(UInt8(ascii: "}"))
            skipWhitespace()
            guard index == bytes.endIndex else { throw Malformed() }
            return
        }
    }
}
