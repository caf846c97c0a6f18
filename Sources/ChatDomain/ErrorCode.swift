/// The closed set of error codes a client may receive (protocol §2).
public enum ErrorCode: String, Sendable, CaseIterable, Codable {
    case badJSON = "bad_json"
    case unknownType = "unknown_type"
    case invalidRequest = "invalid_request"
    case notAuthenticated = "not_authenticated"
    case alreadyAuthenticated = "already_authenticated"
    case invalidCredentials = "invalid_credentials"
    case invalidToken = "invalid_token"
    case usernameTaken = "username_taken"
    case userNotFound = "user_not_found"
    case chatNotFound = "chat_not_found"
    case forbidden = "forbidden"
    case contentTooLong = "content_too_long"
    case rateLimited = "rate_limited"
    case messageTooLarge = "message_too_large"
    case unavailable = "unavailable"
    case `internal` = "internal"
}
