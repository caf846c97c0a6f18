/// A successful login. Only the SHA-256 of the token is recorded, never the token.
public struct SessionStarted: Codable, Sendable, Equatable {
    public var userID: UserID
    /// Lowercase hex SHA-256 of the 256-bit session token.
    public var tokenHash: String
    public var startedAt: Timestamp
    public var expiresAt: Timestamp

    public init(userID: UserID, tokenHash: String, startedAt: Timestamp, expiresAt: Timestamp) {
        self.userID = userID
        self.tokenHash = tokenHash
        self.startedAt = startedAt
        self.expiresAt = expiresAt
    }

    enum CodingKeys: String, CodingKey {
        case userID = "user_id"
        case tokenHash = "token_sha256"
        case startedAt = "started_at"
        case expiresAt = "expires_at"
    }
}
