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

    /// Inserts `events` (consecutive positions after the head) in one statement, whatever
    /// their number, in the caller's transaction; the same statement moves the head to the
    /// last of them and notifies every gateway — one round trip under the head lock. The
    /// notification carries only the new head (payloads are small, and NOTIFY takes a
    /// database-wide lock at commit).
    static func append(_ events: [RecordedEvent], on connection: PostgresConnection, logger: Logger) async throws {
        guard let last = events.last else { return }
        try await connection.query(
            """
            WITH inserted AS (
                INSERT INTO events (\(unescaped: columns))
                SELECT * FROM unnest(\(events.map(\.position))::int8[], \(events.map(\.streamID))::text[],
                    \(events.map(\.streamVersion))::int8[], \(events.map(\.type))::text[],
                    \(events.map { Int32($0.schemaVersion) })::int4[],
                    \(events.map { ByteBuffer(bytes: $0.data) })::bytea[],
                    \(events.map { ByteBuffer(bytes: $0.metadata) })::bytea[], \(events.map(\.recordedAt))::int8[],
                    \(events.map { ByteBuffer(bytes: $0.hash) })::bytea[])),
            moved AS (
                UPDATE event_log_head SET last_position = \(last.position), last_hash = \(ByteBuffer(bytes: last.hash))
                WHERE id = 1)
            SELECT pg_notify(\(NotificationFollower.channel), \(String(last.position)))
            """, logger: logger)
    }
}
