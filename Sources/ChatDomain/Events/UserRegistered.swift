/// A new account, on the user's stream (see ``StreamName/user(_:)``).
///
/// Schema history: version 1 stored the username in plain text; version 2 stores it sealed
/// under the user's own key as `sealed_username` (protocol §10).
public struct UserRegistered: Codable, Sendable, Equatable {
    public var userID: UserID
    /// The username; the erased placeholder when ``isErased``.
    public var username: String
    public var password: PasswordHash
    public var registeredAt: Timestamp
    /// The username could not be opened: the user was erased, or their key is not here.
    public var isErased = false

    public init(
        userID: UserID, username: String, password: PasswordHash, registeredAt: Timestamp, isErased: Bool = false
    ) {
        self.userID = userID
        self.username = username
        self.password = password
        self.registeredAt = registeredAt
        self.isErased = isErased
    }

    enum CodingKeys: String, CodingKey {
        case userID = "user_id"
        case username, password
        case registeredAt = "registered_at"
    }
}

/// `user_registered` version 2, as the log stores it.
struct StoredUserRegistered: Codable {
    var userID: UserID
    var sealedUsername: String
    var password: PasswordHash
    var registeredAt: Timestamp

    enum CodingKeys: String, CodingKey {
        case userID = "user_id"
        case sealedUsername = "sealed_username"
        case password
        case registeredAt = "registered_at"
    }
}
