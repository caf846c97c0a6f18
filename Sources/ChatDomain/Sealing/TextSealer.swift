/// Seals and opens what a user wrote (message text, their username) under that user's key,
/// so that destroying the key erases the text from every copy of the log (protocol §10).
///
/// The domain only names what is sealed and by whom; keys and ciphers live behind this.
public protocol TextSealer: Sendable {
    /// `text` sealed under `author`'s key, bound to `context` (which event field it is).
    ///
    /// - Throws: when the author has no key any more (erased).
    func seal(_ text: String, author: UserID, context: String) throws -> String

    /// The text, or `nil` when the author's key is gone or the sealed text does not open.
    func open(_ sealed: String, author: UserID, context: String) -> String?
}

/// What events seal their text with, and the names their fields are bound to.
public enum SealingContext {
    public static func messageContent(_ id: MessageID) -> String { "message_content:" + id.rawValue }
    public static func username(_ id: UserID) -> String { "username:" + id.rawValue }
}
