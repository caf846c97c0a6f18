/// The log streams the chat domain writes to.
///
/// A direct chat's id is derived from its pair, so two racing `create_chat`s cannot both
/// create it. A user's stream is named by their id, never their name: the log must hold no
/// plain username (protocol §10); the read model keeps usernames unique.
public enum StreamName {
    public static let accountPrefix = "account:"
    /// Streams of logs written before version 1.1: `user:<lowercased username>`.
    public static let legacyUserPrefix = "user:"
    public static let chatPrefix = "chat:"

    /// A user's stream: registration, sessions, erasure.
    public static func user(_ id: UserID) -> String { accountPrefix + id.rawValue }

    /// A chat's stream: creation, membership, messages and read receipts.
    public static func chat(_ chatID: ChatID) -> String { chatPrefix + chatID.rawValue }

    /// The chat a stream belongs to, if it is a chat stream.
    public static func chatID(of stream: String) -> ChatID? {
        stream.hasPrefix(chatPrefix) ? ChatID(String(stream.dropFirst(chatPrefix.count))) : nil
    }
}
