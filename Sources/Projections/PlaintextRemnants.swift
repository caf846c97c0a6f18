public import ChatDomain
public import EventStore

/// The events of a log from before version 1.1 that still hold a user's text or username in
/// plain text: crypto-shredding cannot reach them, and the log is append-only, so erasure
/// reports them by position instead of pretending (protocol §10).
public struct PlaintextRemnants: Sendable {
    public let user: UserID
    /// Positions, in log order, of the user's plain-text registration (v1), of every event on
    /// the stream named after their username, and of their plain-text messages (v1, v2).
    public private(set) var positions: [Int64] = []
    private var legacyStreams = Set<String>()

    public init(of user: UserID) { self.user = user }

    /// Reads the whole log of a SQLite file.
    public static func positions(of user: UserID, on connection: SQLiteConnection) throws -> [Int64] {
        var remnants = PlaintextRemnants(of: user)
        var position: Int64 = 0
        while true {
            let events = try EventLogFile.read(after: position, limit: 5_000, on: connection)
            guard let last = events.last else { return remnants.positions }
            remnants.scan(events)
            position = last.position
        }
    }

    /// Takes in the log's next events, in order.
    public mutating func scan(_ events: some Sequence<RecordedEvent>) {
        for recorded in events {
            if legacyStreams.contains(recorded.streamID) {
                positions.append(recorded.position)
                continue
            }
            switch recorded.type {
            case ChatEvent.Kind.userRegistered.rawValue where recorded.schemaVersion == 1:
                if case .userRegistered(let registered)? = try? ChatEvent(
                    type: recorded.type, schemaVersion: 1, data: recorded.data),
                    registered.userID == user
                {
                    positions.append(recorded.position)
                    if recorded.streamID.hasPrefix(StreamName.legacyUserPrefix) {
                        legacyStreams.insert(recorded.streamID)
                    }
                }
            case ChatEvent.Kind.messageSent.rawValue where recorded.schemaVersion < 3:
                if case .messageSent(let sent)? = try? ChatEvent(
                    type: recorded.type, schemaVersion: recorded.schemaVersion, data: recorded.data),
                    sent.senderID == user
                {
                    positions.append(recorded.position)
                }
            default:
                break
            }
        }
    }
}
