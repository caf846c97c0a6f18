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
        var statement = StatementBuilder()
        writeInsert(events, when: "true", into: &statement)
        let channel = statement.bind(NotificationFollower.channel)
        let head = statement.bind(String(last.position))
        statement.append(" SELECT pg_notify(\(channel), \(head))")
        try await connection.run(statement.query, logger: logger)
    }

    /// Appends `events` — positions, versions and hashes assigned by this gateway after the
    /// head it knows — with one statement outside any transaction (one round trip, one WAL
    /// flush), if the head is still `expectedHead`: nothing was committed since this gateway
    /// looked, so what it assigned is what the lock would have. Changes nothing otherwise.
    ///
    /// The statement takes the head lock, inserts the events, moves the head, runs what
    /// `project` writes and notifies every gateway.
    ///
    /// - Parameter project: writes the projection's parts, given the events' positions and the
    ///   condition the statement appends under; or returns `false` when it cannot (then
    ///   nothing is sent).
    static func append(
        _ events: [RecordedEvent], ifHeadIs expectedHead: Int64, on connection: PostgresConnection, logger: Logger,
        project: (AppendedPositions, inout StatementBuilder) -> Bool
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
        writeInsert(events, when: condition, into: &statement)
        let assigned = AppendedPositions.assigned(events.map(\.position), when: condition)
        guard project(assigned, &statement) else { return .notOneStatement }
        let channel = statement.bind(NotificationFollower.channel)
        let head = statement.bind(String(last.position))
        statement.addCommonTableExpression("notified", "SELECT pg_notify(\(channel), \(head)) FROM proceed")
        statement.append(" SELECT count(*) FROM notified")
        // Read to the end: the projection's inserts run after the row is sent, and their
        // failure (a repeated client message id) arrives after it.
        var notified: Int64 = 0
        for try await count in try await connection.query(statement.query, logger: logger).decode(Int64.self) {
            notified = count
        }
        return notified == 1 ? .appended : .headMoved
    }

    /// Writes, as common table expressions of `statement`, the insert of `events` and the
    /// move of the head to the last of them, both done only when `condition` (SQL) holds.
    private static func writeInsert(
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

    enum ConditionalAppend {
        case appended
        /// Another gateway committed since: nothing was appended.
        case headMoved
        /// The projection cannot be written into the statement: nothing was sent.
        case notOneStatement
    }

    /// One append of a batch, as `chat_log_append` takes it.
    struct Append {
        var stream: String
        var expectedVersion: ExpectedVersion
        var events: [NewEvent]
        var metadata: [UInt8]
    }

    /// What `chat_log_append` answered.
    struct StatementResult {
        /// Events other gateways committed after the head this gateway knew, in order.
        var foreign: [RecordedEvent] = []
        /// Per append, in the batch's order: the events it appended, or the version of the
        /// stream that refused it.
        var outcomes: [Result<[RecordedEvent], Refusal>]

        struct Refusal: Error {
            var actualVersion: Int64
        }
    }

    /// Appends `batch` with one statement outside any transaction — so in one of its own:
    /// one round trip and one WAL flush in all — through `chat_log_append`, whose answer
    /// includes what other gateways committed after `knownHead` (this gateway's tail must
    /// publish those first).
    ///
    /// - Parameter project: writes the projection's parts, given the relation holding each
    ///   appended event's position; or returns `false` when it cannot be written into one
    ///   statement (then nothing is sent and this returns `nil`).
    static func appendInOneStatement(
        _ batch: [Append], knownHead: Int64, recordedAt: Int64, on connection: PostgresConnection, logger: Logger,
        project: (AppendedPositions, inout StatementBuilder) -> Bool
    ) async throws -> StatementResult? {
        let events = batch.flatMap(\.events)
        var statement = StatementBuilder()
        let head = statement.bind(knownHead)
        let streams = statement.bind(batch.map(\.stream))
        let expected = statement.bind(
            batch.map { append -> Int64 in
                switch append.expectedVersion {
                case .any: -1
                case .noStream: 0
                case .exact(let version): version
                }
            })
        let counts = statement.bind(batch.map { Int32($0.events.count) })
        let metadata = statement.bind(batch.map { ByteBuffer(bytes: $0.metadata) })
        let types = statement.bind(events.map(\.type))
        let schemaVersions = statement.bind(events.map { Int32($0.schemaVersion) })
        let data = statement.bind(events.map { ByteBuffer(bytes: $0.data) })
        let now = statement.bind(recordedAt)
        statement.addCommonTableExpression(
            "appended",
            """
            SELECT * FROM chat_log_append(\(head), \(streams)::text[], \(expected)::int8[], \(counts)::int4[],
                \(metadata)::bytea[], \(types)::text[], \(schemaVersions)::int4[], \(data)::bytea[], \(now))
            """)
        guard project(.inRelation("appended"), &statement) else { return nil }
        statement.append(
            """
             SELECT append_index, event_index, event_position, event_stream, event_stream_version, event_type,
                event_schema_version, event_data, event_metadata, event_recorded_at, event_hash, actual_version
            FROM appended
            """)
        var result = StatementResult(outcomes: batch.map { _ in .success([]) })
        for try await row in try await connection.query(statement.query, logger: logger) {
            let (
                appendIndex, eventIndex, position, stream, version, type, schemaVersion, eventData, eventMetadata,
                recordedAt, hash, actualVersion
            ) = try row.decode(
                (
                    Int32?, Int32?, Int64?, String?, Int64?, String?, Int32?, ByteBuffer?, ByteBuffer?, Int64?,
                    ByteBuffer?, Int64?
                ).self)
            guard let appendIndex else {
                // Another gateway's event, whole.
                result.foreign.append(
                    RecordedEvent(
                        position: position ?? 0, streamID: stream ?? "", streamVersion: version ?? 0, type: type ?? "",
                        schemaVersion: Int(schemaVersion ?? 0), data: Array(eventData?.readableBytesView ?? []),
                        metadata: Array(eventMetadata?.readableBytesView ?? []), recordedAt: recordedAt ?? 0,
                        hash: Array(hash?.readableBytesView ?? [])))
                continue
            }
            let index = Int(appendIndex) - 1
            if let actualVersion {
                result.outcomes[index] = .failure(StatementResult.Refusal(actualVersion: actualVersion))
                continue
            }
            // This gateway's event: the statement answers what it assigned, not what was sent.
            let append = batch[index]
            let event = events[Int(eventIndex ?? 0) - 1]
            let appended = RecordedEvent(
                position: position ?? 0, streamID: append.stream, streamVersion: version ?? 0, type: event.type,
                schemaVersion: event.schemaVersion, data: event.data, metadata: append.metadata,
                recordedAt: recordedAt ?? 0, hash: Array(hash?.readableBytesView ?? []))
            if case .success(let earlier) = result.outcomes[index] {
                result.outcomes[index] = .success(earlier + [appended])
            }
        }
        // Rows come in the function's order; the order that matters is the log's.
        result.foreign.sort { $0.position < $1.position }
        for index in result.outcomes.indices {
            if case .success(let appended) = result.outcomes[index] {
                result.outcomes[index] = .success(appended.sorted { $0.position < $1.position })
            }
        }
        return result
    }
}
