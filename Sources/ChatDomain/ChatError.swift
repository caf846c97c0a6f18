/// A refusal that the client sees: one of the contract's codes and a short, safe message.
///
/// The message never carries SQL, stack traces or secrets; it may name the offending field.
public struct ChatError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The contract code, e.g. `forbidden`.
    public var code: ErrorCode
    /// Human-readable text for the client.
    public var message: String

    public init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

extension ChatError {
    public static func invalidRequest(_ message: String) -> ChatError { ChatError(.invalidRequest, message) }
    public static let forbidden = ChatError(.forbidden, "Forbidden")
    public static let chatNotFound = ChatError(.chatNotFound, "Chat not found")
    public static let userNotFound = ChatError(.userNotFound, "User not found")
    public static let usernameTaken = ChatError(.usernameTaken, "Username already taken")
    public static let invalidCredentials = ChatError(.invalidCredentials, "Invalid username or password")
    public static let invalidToken = ChatError(.invalidToken, "Invalid or expired token")
    public static let contentTooLong = ChatError(.contentTooLong, "Content exceeds 4000 characters")
}
