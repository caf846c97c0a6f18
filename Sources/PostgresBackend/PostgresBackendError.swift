/// Why the PostgreSQL backend cannot be used.
public enum PostgresBackendError: Error, Equatable, CustomStringConvertible {
    case malformedURL(String)
    /// The database was made by a newer version of the server.
    case newerSchema(Int64)
    /// A gateway on PostgreSQL needs the master key file every gateway shares.
    case keyFileRequired
    /// The database holds no chat event log (a `replay` command other than `import`).
    case noChatLog(String)

    public var description: String {
        switch self {
        case .malformedURL(let url):
            "\(url) is not a postgres://user[:password]@host[:port]/database URL"
        case .newerSchema(let version):
            "the database has chat schema version \(version), newer than this server knows"
        case .keyFileRequired:
            "a PostgreSQL database needs --key-file (CHAT_KEY_FILE): the master key file every gateway shares"
        case .noChatLog(let url):
            "\(url) holds no chat event log (chat-gateway creates it; replay import fills an empty one)"
        }
    }
}
