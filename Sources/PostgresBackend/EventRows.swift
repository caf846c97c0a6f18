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
    /// last of them and notifies every gateway — one round trip under the head lock.
    static func append(_ events: [RecordedEvent], on connection: PostgresConnection, logger: Logger) async throws {
        guard let last = events.last else { return }
        var statement = StatementBuilder()
        writeAppend(events, when: "true", into: &statement)
        let channel = statement.bind(NotificationFollower.channel)
        let head = statement.bind(String(last.position))
        statement.append(" SELECT pg_notify(\(channel), \(head))")
        try await connection.run(statement.query, logger: logger)
    }

    /// Appends `events` in one statement, outside any transaction (so in one of its own: one
    /// round trip in all), if the head is still at `expectedHead` — that is, if nothing was
    /// committed since this process last looked; changes nothing otherwise.
    ///
    /// The statement takes the head lock, inserts the events, moves the head, runs what
    /// `project` writes (a projection's parts, each guarded by the condition it is given) and
    /// notifies every gateway.
    ///
    /// - Parameter project: writes the projection's parts, or returns `false` when it cannot
    ///   be written into one statement (then nothing is sent).
    static func append(
        _ events: [RecordedEvent], ifHeadIs expectedHead: Int64, on connection: PostgresConnection,
        logger: Logger, project: (_ condition: String, inout StatementBuilder) -> Bool
    ) async throws -> ConditionalAppend {
        guard let last = events.last else { return .headMoved }
        var statement = StatementBuilder()
        let expected = statement.bind(expectedHead)
        // A lock that waited for another gateway's commit returns the head it committed, so
        // the comparison sees it.
        statement.addCommonTableExpression(
            "head", "SELECT last_position FROM event_log_head WHERE id = 1 FOR UPDATE")
        statement.addCommonTableExpression("proceed", "SELECT FROM head WHERE last_position = \(expected)")
        let condition = "EXISTS (SELECT FROM proceed)"
        writeAppend(events, when: condition, into: &statement)
        guard project(condition, &statement) else { return .notOneStatement }
        let channel = statement.bind(NotificationFollower.channel)
        let head = statement.bind(String(last.position))
        statement.addCommonTableExpression("notified", "SELECT pg_notify(\(channel), \(head)) FROM proceed")
        statement.append(" SELECT count(*) FROM notified")
        for try await count in try await connection.query(statement.query, logger: logger).decode(Int64.self) {
            return count == 1 ? .appended : .headMoved
        }
        return .headMoved
    }

    enum ConditionalAppend {
        case appended
        /// Another gateway committed since: nothing was appended.
        case headMoved
        /// The projection cannot be written into the statement: nothing was sent.
        case notOneStatement
    }

    /// Writes, as common table expressions of `statement`, the insert of `events` and the
    /// move of the head to the last of them, both done only when `condition` (SQL) holds.
    ///
    /// The notification carries only the new head (payloads are small, and NOTIFY takes a
    /// database-wide lock at commit): the caller sends it.
    private static func writeAppend(
        _ events: [RecordedEvent], when condition: String, into statement: inout StatementBuilder
    ) {
        guard let last = events.last else { return }
        let positions = statement.bind(events.map(\.position))
        let streams = statement.bind(events.map(\.streamID))
        let versions = statement.bind(events.map(\.streamVersion))
        let types = statement.bind(events.map(\.type))
        let schemaVersions = statement.bind(events.map { Int32($0.schemaVersion) })
        let data = statement.bind(events.map { ByteBuffer(bytes: $0.data) })
        let metadata = statement.bind(events.map { ByteBuffer(bytes: $0.metadata) })
        let recordedAt = statement.bind(events.map(\.recordedAt))
        let hashes = statement.bind(events.map { ByteBuffer(bytes: $0.hash) })
        let lastPosition = statement.bind(last.position)
        let lastHash = statement.bind(ByteBuffer(bytes: last.hash))
        statement.addCommonTableExpression(
            "events_inserted",
            """
            INSERT INTO events (\(columns))
            SELECT * FROM unnest(\(positions)::int8[], \(streams)::text[], \(versions)::int8[], \(types)::text[],
                \(schemaVersions)::int4[], \(data)::bytea[], \(metadata)::bytea[], \(recordedAt)::int8[],
                \(hashes)::bytea[])
            WHERE \(condition)
            """)
        statement.addCommonTableExpression(
            "head_moved",
            """
            UPDATE event_log_head SET last_position = \(lastPosition), last_hash = \(lastHash)
            WHERE id = 1 AND \(condition)
            """)
    }
}
