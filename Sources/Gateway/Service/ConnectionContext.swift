public import ChatDomain

/// What the service knows about the connection a command came from.
public struct ConnectionContext: Sendable {
    /// How the client is connected.
    public enum Framing: String, Sendable {
        case websocket
        case tcp
    }

    public var connectionID: String
    public var framing: Framing
    /// The user and token, once `login` or `auth` succeeded.
    public var session: AuthenticatedSession?

    public init(connectionID: String, framing: Framing, session: AuthenticatedSession? = nil) {
        self.connectionID = connectionID
        self.framing = framing
        self.session = session
    }
}

/// An authenticated connection's user and the hash of its token.
public struct AuthenticatedSession: Sendable, Equatable {
    public var userID: UserID
    public var username: String
    public var tokenHash: String

    public init(userID: UserID, username: String, tokenHash: String) {
        self.userID = userID
        self.username = username
        self.tokenHash = tokenHash
    }
}

/// What the connection must do besides sending the response.
public enum SessionEffect: Sendable, Equatable {
    /// The connection is now authenticated; with `since`, replay pushes after that position.
    case authenticated(AuthenticatedSession, since: Int64?)
    /// The token was revoked: every other connection using it gets `session:ended` and closes.
    case loggedOut(tokenHash: String)
    /// Push `typing` to these users' sessions (not logged).
    case typing(chatID: ChatID, from: UserID, to: [UserID])
}

/// A command's outcome: the response to send, and what else the connection must do.
public struct CommandReply: Sendable {
    public var response: [UInt8]
    public var effect: SessionEffect?
    /// The command's `type`, or `invalid` when it could not be parsed (for metrics).
    public var commandType: String = "invalid"
    /// `ok`, or the error code answered.
    public var result: String = "ok"
}
