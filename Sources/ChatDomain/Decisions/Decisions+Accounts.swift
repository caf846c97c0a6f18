extension Decisions {
    /// `register`: a new account, unless the name is taken case-insensitively.
    public static func register(
        username: String, password: String, usernameTaken: Bool, userID: UserID, passwordHash: PasswordHash,
        now: Timestamp
    ) throws(ChatError) -> [ChatEvent] {
        try Validation.checkUsername(username)
        try Validation.checkPassword(password)
        guard !usernameTaken else { throw .usernameTaken }
        return [
            .userRegistered(
                UserRegistered(userID: userID, username: username, password: passwordHash, registeredAt: now))
        ]
    }

    /// `login`: a session for the token with `tokenHash`, valid for `lifetimeMilliseconds`.
    ///
    /// An unknown user and a wrong password fail alike, and take about as long: an unknown
    /// user is checked against a decoy hash so timing does not reveal which accounts exist.
    public static func login(
        account: Account?, password: String, tokenHash: String, now: Timestamp, lifetimeMilliseconds: Int64
    ) throws(ChatError) -> [ChatEvent] {
        guard let account else {
            _ = decoyHash.verify(password: password)
            throw .invalidCredentials
        }
        guard account.password.verify(password: password) else { throw .invalidCredentials }
        let expiresAt = Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch + lifetimeMilliseconds)
        return [
            .sessionStarted(
                SessionStarted(userID: account.userID, tokenHash: tokenHash, startedAt: now, expiresAt: expiresAt))
        ]
    }

    /// `auth`: accepts a token whose session exists, has not ended and has not expired.
    public static func authenticate(session: SessionRecord?, now: Timestamp) throws(ChatError) -> SessionRecord {
        guard let session, session.isValid(at: now) else { throw .invalidToken }
        return session
    }

    /// `logout`: ends the session of the connection's token.
    public static func logout(session: SessionRecord, now: Timestamp) -> [ChatEvent] {
        guard !session.ended else { return [] }
        return [.sessionEnded(SessionEnded(userID: session.userID, tokenHash: session.tokenHash, endedAt: now))]
    }

    /// A hash of nothing anyone knows, with the standard parameters.
    static let decoyHash = PasswordHash(
        algorithm: "scrypt", rounds: PasswordHash.Parameters.standard.rounds,
        blockSize: PasswordHash.Parameters.standard.blockSize,
        parallelism: PasswordHash.Parameters.standard.parallelism,
        salt: "ZGVjb3ktc2FsdC1mb3ItbG9naW4=", hash: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
}
