import Crypto
import Foundation

/// Makes the opaque ids of new users, chats and messages.
public enum IdentifierFactory {
    /// A one-letter kind prefix, then 24 hex characters: 48 bits of milliseconds since the
    /// epoch and 48 random bits.
    ///
    /// Leading with time keeps new ids near the end of their unique index, so an insert
    /// touches the index's last pages instead of a random one (less written per commit).
    static func random(prefix: String) -> String {
        let milliseconds = UInt64(Date().timeIntervalSince1970 * 1000)
        // One draw for all six random bytes: each draw is a `getrandom` system call.
        var generator = SystemRandomNumberGenerator()
        let random: UInt64 = generator.next()
        var bytes = [UInt8]()
        bytes.reserveCapacity(12)
        for shift in stride(from: 40, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: milliseconds >> UInt64(shift)))
        }
        for shift in stride(from: 40, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: random >> UInt64(shift)))
        }
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
