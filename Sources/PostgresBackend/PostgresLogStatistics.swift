public import Logging
import PostgresNIO

/// What `replay stats` prints for a PostgreSQL database.
public struct PostgresLogStatistics: Sendable {
    public var head: Int64
    public var eventsByType: [(type: String, count: Int64)]
    public var streams: Int64
    public var databaseBytes: Int64

    public static func read(from url: PostgresURL, logger: Logger = Logger(label: "chat.postgres")) async throws
        -> PostgresLogStatistics
    {
        let log = try await PostgresEventLog.open(url: url, logger: logger)
        defer { Task { await log.close() } }
        return try await log.storage { db in
            var statistics = PostgresLogStatistics(head: 0, eventsByType: [], streams: 0, databaseBytes: 0)
            statistics.head = try await PostgresEventLog.headPosition(on: db, logger: logger)
            for try await (type, count) in try await db.query(
                "SELECT type, count(*) FROM events GROUP BY type ORDER BY count(*) DESC, type COLLATE \"C\"",
                logger: logger
            ).decode((String, Int64).self) {
                statistics.eventsByType.append((type, count))
            }
            for try await (streams, bytes) in try await db.query(
                "SELECT (SELECT count(DISTINCT stream_id) FROM events), pg_database_size(current_database())",
                logger: logger
            ).decode((Int64, Int64).self) {
                (statistics.streams, statistics.databaseBytes) = (streams, bytes)
            }
            return statistics
        }
    }
}
