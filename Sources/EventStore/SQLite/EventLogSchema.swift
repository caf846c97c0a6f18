/// The `events` table, its append-only triggers and the file's identity.
enum EventLogSchema {
    /// `PRAGMA application_id`: "CHAT" in ASCII, so other SQLite files are recognised.
    static let applicationID: Int64 = 0x4348_4154
    /// `PRAGMA user_version` this build writes and understands.
    static let version: Int64 = 1

    static let createSQL = """
        CREATE TABLE IF NOT EXISTS events (
            position INTEGER PRIMARY KEY,
            stream_id TEXT NOT NULL,
            stream_version INTEGER NOT NULL,
            type TEXT NOT NULL,
            schema_version INTEGER NOT NULL,
            data TEXT NOT NULL,
            metadata TEXT NOT NULL,
            recorded_at INTEGER NOT NULL,
            hash BLOB NOT NULL,
            UNIQUE (stream_id, stream_version)
        );
        CREATE TRIGGER IF NOT EXISTS events_are_never_updated BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
        CREATE TRIGGER IF NOT EXISTS events_are_never_deleted BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
        """

    static let selectColumns =
        "position, stream_id, stream_version, type, schema_version, data, metadata, recorded_at, hash"

    /// Checks that `connection` is a chat event log this build understands, creating the
    /// schema in an empty file.
    static func prepare(_ connection: SQLiteConnection, allowCreate: Bool) throws {
        var identity = try Identity(connection)
        if identity.applicationID == 0, allowCreate {
            // Empty, or being created by another opener right now (whose tables may already
            // show, but not its identity): look again under the write lock, where the file is
            // either still empty or complete.
            try connection.transaction {
                identity = try Identity(connection)
                guard identity.isEmptyFile else { return }
                try connection.execute(createSQL)
                try connection.execute("PRAGMA application_id = \(Self.applicationID)")
                try connection.execute("PRAGMA user_version = \(Self.version)")
                identity = Identity(applicationID: Self.applicationID, userVersion: Self.version, tableCount: 1)
            }
        }
        if identity.isEmptyFile {
            throw EventStoreError.incompatibleDatabase("the database is empty, not a chat event log")
        }
        guard identity.applicationID == Self.applicationID else {
            throw EventStoreError.incompatibleDatabase("not a chat event log (unknown SQLite application id)")
        }
        guard identity.userVersion <= Self.version else {
            throw EventStoreError.incompatibleDatabase(
                "the database has schema version \(identity.userVersion); this build understands up to \(Self.version)")
        }
    }

    /// What the file says it is.
    private struct Identity {
        var applicationID: Int64
        var userVersion: Int64
        var tableCount: Int64

        var isEmptyFile: Bool { applicationID == 0 && tableCount == 0 }

        init(applicationID: Int64, userVersion: Int64, tableCount: Int64) {
            self.applicationID = applicationID
            self.userVersion = userVersion
            self.tableCount = tableCount
        }

        init(_ connection: SQLiteConnection) throws {
            applicationID = try connection.scalarInt64("PRAGMA application_id") ?? 0
            userVersion = try connection.scalarInt64("PRAGMA user_version") ?? 0
            tableCount = try connection.scalarInt64("SELECT count(*) FROM sqlite_master") ?? 0
        }
    }

    /// Decodes a row selected with ``selectColumns``.
    static func event(from row: SQLiteStatement) -> RecordedEvent {
        RecordedEvent(
            position: row.int64(0), streamID: row.string(1), streamVersion: row.int64(2), type: row.string(3),
            schemaVersion: row.int(4), data: row.bytes(5), metadata: row.bytes(6), recordedAt: row.int64(7),
            hash: row.bytes(8))
    }

    static func read(after position: Int64, limit: Int, on connection: SQLiteConnection) throws -> [RecordedEvent] {
        let statement = try connection.cachedStatement(
            "SELECT \(selectColumns) FROM events WHERE position > ? ORDER BY position LIMIT ?")
        statement.bind(1, position)
        statement.bind(2, limit)
        defer { statement.reset() }
        var events = [RecordedEvent]()
        while try statement.step() { events.append(event(from: statement)) }
        return events
    }

    static func read(types: [String], on connection: SQLiteConnection) throws -> [RecordedEvent] {
        let placeholders = types.map { _ in "?" }.joined(separator: ", ")
        let statement = try connection.prepare(
            "SELECT \(selectColumns) FROM events WHERE type IN (\(placeholders)) ORDER BY position")
        for (index, type) in types.enumerated() { statement.bind(Int32(index + 1), type) }
        var events = [RecordedEvent]()
        while try statement.step() { events.append(event(from: statement)) }
        return events
    }

    static func readStream(
        _ stream: String, after version: Int64, limit: Int, on connection: SQLiteConnection
    ) throws -> [RecordedEvent] {
        let statement = try connection.cachedStatement(
            "SELECT \(selectColumns) FROM events WHERE stream_id = ? AND stream_version > ? ORDER BY stream_version LIMIT ?"
        )
        statement.bind(1, stream)
        statement.bind(2, version)
        statement.bind(3, limit)
        defer { statement.reset() }
        var events = [RecordedEvent]()
        while try statement.step() { events.append(event(from: statement)) }
        return events
    }

    /// The last event's position and hash; `(0, genesis)` for an empty log.
    static func head(on connection: SQLiteConnection) throws -> (position: Int64, hash: [UInt8]) {
        let statement = try connection.cachedStatement(
            "SELECT position, hash FROM events ORDER BY position DESC LIMIT 1")
        defer { statement.reset() }
        guard try statement.step() else { return (0, EventHash.genesis) }
        return (statement.int64(0), statement.bytes(1))
    }
}
