public import ChatDomain
public import EventStore

/// The events of a log from before version 1.1 that still hold a user's text or username in
/// plain text: crypto-shredding cannot reach them, and the log is append-only, so erasure
/// reports them by position instead of pretending (protocol §10).
public enum PlaintextRemnants {
    /// Positions, in log order, of the user's plain-text registration (v1), of every event on
    /// the stream named after their username, and of their plain-text messages (v1, v2).
    public static func positions(of user: UserID, on connection: SQLiteConnection) throws -> [Int64] {
        var positions = [Int64]()
        var legacyStreams = Set<String>()
        var position: Int64 = 0
        while true {
            let events = try EventLogFile.read(after: position, limit: 5_000, on: connection)
            guard let last = events.last else { return positions }
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
            position = last.position
        }
    }
}
