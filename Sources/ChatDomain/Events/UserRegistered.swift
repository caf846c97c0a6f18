/// A new account. Its stream is the user's (see ``StreamName/user(usernameKey:)``).
public struct UserRegistered: Codable, Sendable, Equatable {
    public var userID: UserID
    public var username: String
    public var password: PasswordHash
    public var registeredAt: Timestamp

    public init(userID: UserID, username: String, password: PasswordHash, registeredAt: Timestamp) {
        self.userID = userID
        self.username = username
        self.password = password
        self.registeredAt = registeredAt
    }

    enum CodingKeys: String, CodingKey {
        case userID = "user_id"
        case username, password
        case registeredAt = "registered_at"
    }
}
