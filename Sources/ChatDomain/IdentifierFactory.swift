import Crypto

/// Makes the opaque ids of new users, chats and messages.
public enum IdentifierFactory {
    /// 96 random bits as 24 hex characters after a one-letter kind prefix.
    static func random(prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8]()
        bytes.reserveCapacity(12)
        for _ in 0..<12 { bytes.append(UInt8.random(in: .min ... .max, using: &generator)) }
        return prefix + Hex.encode(bytes)
    }

    public static func newUserID() -> UserID { UserID(random(prefix: "u")) }
    public static func newGroupID() -> ChatID { ChatID(random(prefix: "g")) }
    public static func newMessageID() -> MessageID { MessageID(random(prefix: "m")) }

    /// The one chat id a pair of users can have: the same for `(a, b)` and `(b, a)`.
    public static func directChatID(_ first: UserID, _ second: UserID) -> ChatID {
        let (low, high) = first < second ? (first, second) : (second, first)
        let digest = SHA256.hash(data: Array("direct\u{0}\(low.rawValue)\u{0}\(high.rawValue)".utf8))
        return ChatID("d" + Hex.encode(digest.prefix(12)))
    }
}
