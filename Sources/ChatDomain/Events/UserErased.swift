/// A user forgotten at an operator's request (protocol §10). It names no personal data: the
/// user's key is destroyed with it, which makes what they wrote unreadable everywhere.
public struct UserErased: Codable, Sendable, Equatable {
    public var userID: UserID
    /// Who asked, as the operator recorded it (`replay erase-user --requested-by`).
    public var requestedBy: String
    public var reason: String?
    public var erasedAt: Timestamp

    public init(userID: UserID, requestedBy: String, reason: String?, erasedAt: Timestamp) {
        self.userID = userID
        self.requestedBy = requestedBy
        self.reason = reason
        self.erasedAt = erasedAt
    }

    enum CodingKeys: String, CodingKey {
        case userID = "user_id"
        case requestedBy = "requested_by"
        case reason
        case erasedAt = "erased_at"
    }
}
