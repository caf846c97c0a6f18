/// The log streams the chat domain writes to.
///
/// Natural keys make the log itself enforce uniqueness: registering appends to
/// `user:<lowercased username>` expecting no stream, and a direct chat's id is derived
/// from its pair, so two racing `create_chat`s cannot both create it.
public enum StreamName {
    public static let userPrefix = "user:"
    public static let chatPrefix = "chat:"

    /// A user's stream: registration and sessions.
    public static func user(usernameKey: String) -> String { userPrefix + usernameKey }
    /// A chat's stream: creation, membership, messages and read receipts.
    public static func chat(_ chatID: ChatID) -> String { chatPrefix + chatID.rawValue }

    /// The chat a stream belongs to, if it is a chat stream.
    public static func chatID(of stream: String) -> ChatID? {
        stream.hasPrefix(chatPrefix) ? ChatID(String(stream.dropFirst(chatPrefix.count))) : nil
    }
}
