/// A logout: the token with this hash no longer authenticates.
public struct SessionEnded: Codable, Sendable, Equatable {
    public var userID: UserID
    public var tokenHash: String
    public var endedAt: Timestamp

    public init(userID: UserID, tokenHash: String, endedAt: Timestamp) {
        self.userID = userID
        self.tokenHash = tokenHash
        self.endedAt = endedAt
    }

    enum CodingKeys: String, CodingKey {
        case userID = "user_id"
        case tokenHash = "token_sha256"
        case endedAt = "ended_at"
    }
}
