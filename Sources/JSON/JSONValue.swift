/// Any JSON value, as ``JSONParser`` reads it: a number is never a boolean and vice versa;
/// a number without fraction or exponent that fits 64 bits is an `integer`.
///
/// A number too large for a `Double` (`1e400`) is valid JSON and reads as an infinite
/// `number`; where its exact text matters, ask the parser for the member's byte span.
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The string, if this is one.
    public var string: String? {
        if case .string(let value) = self { value } else { nil }
    }

    /// The integer, if this is one.
    public var integer: Int64? {
        if case .integer(let value) = self { value } else { nil }
    }
}

/// A JSON object's members in the order written.
///
/// Objects on the wire and in the log have a handful of members, so a lookup walks them:
/// cheaper than hashing every key into a dictionary. Where a key is repeated, the last
/// occurrence counts, as in most parsers.
public struct JSONObject: Equatable, Sendable {
    public struct Member: Equatable, Sendable {
        public var key: String
        public var value: JSONValue

        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    public private(set) var members: [Member]

    public init(_ members: [Member] = []) {
        self.members = members
    }

    public subscript(key: String) -> JSONValue? {
        members.last { $0.key == key }?.value
    }

    /// The string at `key`; `nil` when absent or not a string.
    public func string(_ key: String) -> String? {
        self[key]?.string
    }

    /// Whether some key occurs more than once.
    public var hasRepeatedKeys: Bool {
        for (index, member) in members.enumerated()
        where members[(index + 1)...].contains(where: { $0.key == member.key }) {
            return true
        }
        return false
    }

    mutating func reserveCapacity(_ count: Int) {
        members.reserveCapacity(count)
    }

    mutating func append(_ member: Member) {
        members.append(member)
    }
}
