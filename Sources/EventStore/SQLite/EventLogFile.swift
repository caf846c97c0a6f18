import Foundation

/// Direct, synchronous access to an event log file, for offline tools (`replay`) and
/// maintenance. A running server uses ``SQLiteEventLog`` instead.
public enum EventLogFile {
    /// Opens an existing chat event log, refusing other files.
    ///
    /// - Throws: ``EventStoreError/incompatibleDatabase(_:)`` when `path` is missing, is not
    ///   a chat event log, or has a newer schema.
    public static func openExisting(path: String, readOnly: Bool = false) throws -> SQLiteConnection {
        guard FileManagerShim.fileExists(path) else {
            throw EventStoreError.incompatibleDatabase("no database at \(path)")
        }
        let connection: SQLiteConnection
        do {
            connection = try SQLiteConnection(path: path, readOnly: readOnly, create: false)
            _ = try connection.scalarInt64("SELECT count(*) FROM sqlite_master")
        } catch {
            throw EventStoreError.incompatibleDatabase("\(path) is not a SQLite database")
        }
        try EventLogSchema.prepare(connection, allowCreate: false)
        if !readOnly { try connection.execute("PRAGMA secure_delete = ON") }
        return connection
    }

    /// Creates a new, empty event log at `path` (which must not exist).
    public static func create(path: String) throws -> SQLiteConnection {
        guard !FileManagerShim.fileExists(path) else {
            throw EventStoreError.incompatibleDatabase("\(path) already exists")
        }
        let connection = try SQLiteConnection(path: path)
        try connection.enableWALMode()
        try EventLogSchema.prepare(connection, allowCreate: true)
        try connection.execute("PRAGMA secure_delete = ON")
        return connection
    }

    /// Up to `limit` events after `position`, in order.
    public static func read(after position: Int64, limit: Int, on connection: SQLiteConnection) throws
        -> [RecordedEvent]
    {
        try EventLogSchema.read(after: position, limit: limit, on: connection)
    }

    /// Every event of the given types, in order.
    public static func read(types: [String], on connection: SQLiteConnection) throws -> [RecordedEvent] {
        try EventLogSchema.read(types: types, on: connection)
    }

    /// The position of the last event; 0 when empty.
    public static func headPosition(on connection: SQLiteConnection) throws -> Int64 {
        try EventLogSchema.head(on: connection).position
    }

    /// Inserts an already-recorded event as is (position, time and hash included), e.g. on import.
    ///
    /// The caller checks the chain; the table's constraints still refuse a reused position
    /// or stream version.
    public static func insertRecorded(_ event: RecordedEvent, on connection: SQLiteConnection) throws {
        let insert = try connection.cachedStatement(
            "INSERT INTO events (\(EventLogSchema.selectColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        insert.bind(1, event.position)
        insert.bind(2, event.streamID)
        insert.bind(3, event.streamVersion)
        insert.bind(4, event.type)
        insert.bind(5, event.schemaVersion)
        insert.bindText(6, event.data)
        insert.bindText(7, event.metadata)
        insert.bind(8, event.recordedAt)
        insert.bindBlob(9, event.hash)
        try insert.run()
    }
}

enum FileManagerShim {
    static func fileExists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }
}
