/// The log streams the chat domain writes to.
///
/// Natural keys make the log itself enforce uniqueness: registering appends to
/// `user:<lowercased username>` expecting no stream, and a direct chat's id is derived
/// from its pair, so two racing `create_chat`s cannot both create it.
public enum StreamName {
    /// A user's stream: registration and sessions.
    public static func user(usernameKey: String) -> String { "user:" + usernameKey }
    /// A chat's stream: creation, membership, messages and read receipts.
    public static func chat(_ chatID: ChatID) -> String { "chat:" + chatID.rawValue }
}
