import EventStore
import Logging
import PostgresNIO

/// Reading and writing `events` rows.
enum EventRows {
    static let columns =
        "position, stream_id, stream_version, type, schema_version, data, metadata, recorded_at, hash"

    /// Up to `limit` events after `position`, in order.
    static func read(after position: Int64, limit: Int, on connection: PostgresConnection, logger: Logger)
        async throws -> [RecordedEvent]
    {
        try await decode(
            connection.query(
                "SELECT \(unescaped: columns) FROM events WHERE position > \(position) ORDER BY position LIMIT \(limit)",
                logger: logger))
    }

    /// Up to `limit` events of `stream` after `version`, in order.
    static func readStream(
        _ stream: String, after version: Int64, limit: Int, on connection: PostgresConnection, logger: Logger
    ) async throws -> [RecordedEvent] {
        try await decode(
            connection.query(
                """
                SELECT \(unescaped: columns) FROM events WHERE stream_id = \(stream) AND stream_version > \(version)
                ORDER BY stream_version LIMIT \(limit)
                """, logger: logger))
    }

    static func decode(_ rows: PostgresRowSequence) async throws -> [RecordedEvent] {
        var events = [RecordedEvent]()
        for try await row in rows {
            let (position, stream, version, type, schemaVersion, data, metadata, recordedAt, hash) = try row.decode(
                (Int64, String, Int64, String, Int32, ByteBuffer, ByteBuffer, Int64, ByteBuffer).self)
            events.append(
                RecordedEvent(
                    position: position, streamID: stream, streamVersion: version, type: type,
                    schemaVersion: Int(schemaVersion), data: Array(data.readableBytesView),
                    metadata: Array(metadata.readableBytesView), recordedAt: recordedAt,
                    hash: Array(hash.readableBytesView)))
        }
        return events
    }

    /// Inserts `events` (consecutive positions) in one statement, whatever their number.
    ///
    /// - Parameter movingHead: also moves the head to the last of them and notifies, in
    ///   the same statement (``moveHead(to:hash:on:logger:)``): one round trip fewer under
    ///   the head lock.
    static func insert(
        _ events: [RecordedEvent], movingHead: Bool = false, on connection: PostgresConnection, logger: Logger
    ) async throws {
        guard let last = events.last else { return }
        // Only an integer, hex digits and a constant are spliced in; the rows are bound.
        let hash = last.hash.map { String(format: "%02x", $0) }.joined()
        let (before, after) =
            movingHead
            ? (
                "WITH inserted AS (",
                """
                ), moved AS (UPDATE event_log_head SET last_position = \(last.position), last_hash = '\\x\(hash)'::bytea WHERE id = 1)
                SELECT pg_notify('\(NotificationFollower.channel)', '\(last.position)')
                """
            ) : ("", "")
        try await connection.query(
            """
            \(unescaped: before)INSERT INTO events (\(unescaped: columns))
            SELECT * FROM unnest(\(events.map(\.position))::int8[], \(events.map(\.streamID))::text[],
                \(events.map(\.streamVersion))::int8[], \(events.map(\.type))::text[],
                \(events.map { Int32($0.schemaVersion) })::int4[],
                \(events.map { ByteBuffer(bytes: $0.data) })::bytea[],
                \(events.map { ByteBuffer(bytes: $0.metadata) })::bytea[], \(events.map(\.recordedAt))::int8[],
                \(events.map { ByteBuffer(bytes: $0.hash) })::bytea[])\(unescaped: after)
            """, logger: logger)
    }

    /// Moves the head row to the last event appended and notifies every gateway, in the
    /// caller's transaction: one notification per transaction, carrying only the new head
    /// (payloads are small, and NOTIFY takes a database-wide lock at commit).
    static func moveHead(to position: Int64, hash: [UInt8], on connection: PostgresConnection, logger: Logger)
        async throws
    {
        try await connection.query(
            """
            WITH moved AS (UPDATE event_log_head SET last_position = \(position), last_hash = \(ByteBuffer(bytes: hash)) WHERE id = 1)
            SELECT pg_notify(\(NotificationFollower.channel), \(String(position)))
            """, logger: logger)
    }
}
