import ChatDomain
import EventStore
import Keyring
import Logging
import PostgresNIO
import Projections

/// A second read model, built from the log beside the live one in a schema of its own: how
/// `replay rebuild` and `replay verify` replay history without touching the tables the
/// gateways read and write.
///
/// It runs on a connection of its own, whose search path puts the staging schema first:
/// the projection's unqualified table names then mean the staging tables, while `events`,
/// `event_log_head` and `user_keys`, which exist only in the live schema, still mean the live
/// ones. No other session sees that search path.
struct ReadModelStaging {
    let connection: PostgresConnection
    /// The schema of the log and the live read model.
    let liveSchema: String
    let schema: String
    let logger: Logger
    private let projection: PostgresChatProjection

    /// Connects, refuses a database without a chat log, and opens the keyring.
    static func connect(url: PostgresURL, keyFile: String, schema: String, logger: Logger) async throws
        -> ReadModelStaging
    {
        let keyring = try await PostgresUserKeyStore.keyring(url: url, keyFile: keyFile, logger: logger).keyring
        return try await PostgresFailure.mapped {
            let connection = try await PostgresConnection.connect(
                configuration: url.connectionConfiguration(), id: 3, logger: logger)
            do {
                try await PostgresSchema.prepare(on: connection, create: false, url: url, logger: logger)
                let live = try await connection.firstString("SELECT current_schema()", logger: logger) ?? "public"
                return ReadModelStaging(
                    connection: connection, liveSchema: live, schema: schema, logger: logger,
                    projection: PostgresChatProjection(keyring: keyring))
            } catch {
                try? await connection.close()
                throw error
            }
        }
    }

    /// Drops what an interrupted run left, then creates the staging schema and its empty
    /// read model. Inside a transaction with `local`, the search path lasts until it ends.
    func create(local: Bool) async throws {
        try await connection.run("DROP SCHEMA IF EXISTS \(unescaped: schema) CASCADE", logger: logger)
        try await connection.run("CREATE SCHEMA \(unescaped: schema)", logger: logger)
        try await connection.run(
            "SELECT set_config('search_path', quote_ident(\(schema)) || ', ' || quote_ident(\(liveSchema)), \(local))",
            logger: logger)
        try await PostgresSchema.createReadModel(on: connection, logger: logger)
    }

    /// Up to `limit` events of the log after `position`.
    func read(after position: Int64, limit: Int) async throws -> [RecordedEvent] {
        try await EventRows.read(after: position, limit: limit, on: connection, logger: logger)
    }

    /// Applies `events` to the staging read model.
    func apply(_ events: [RecordedEvent]) async throws {
        guard !events.isEmpty else { return }
        try await projection.prepare(toApply: events, on: connection, logger: logger)
        try await projection.apply(events, on: connection, logger: logger)
    }

    /// Applies the next events after `position` and returns them; none at the head.
    func applyNext(after position: Int64, limit: Int) async throws -> [RecordedEvent] {
        let events = try await read(after: position, limit: limit)
        try await apply(events)
        return events
    }

    /// The read-model tables whose rows differ between the staging and the live schema.
    func differingTables() async throws -> [String] {
        var differing = [String]()
        for table in ReadModelTables.baseNames {
            let staged = "\(quoted(schema)).\(table)"
            let live = "\(quoted(liveSchema)).\(table)"
            let differences = try await connection.firstInt64(
                """
                SELECT count(*) FROM ((SELECT * FROM \(unescaped: staged) EXCEPT SELECT * FROM \(unescaped: live))
                    UNION ALL (SELECT * FROM \(unescaped: live) EXCEPT SELECT * FROM \(unescaped: staged))) AS differences
                """, logger: logger)
            if differences != 0 { differing.append(table) }
        }
        return differing
    }

    /// Replaces the live read model by the staging one and drops the staging schema, in the
    /// caller's transaction.
    func swapIn() async throws {
        for table in ReadModelTables.baseNames {
            try await connection.run(
                "DROP TABLE \(unescaped: quoted(liveSchema)).\(unescaped: table)", logger: logger)
            try await connection.run(
                "ALTER TABLE \(unescaped: quoted(schema)).\(unescaped: table) SET SCHEMA \(unescaped: quoted(liveSchema))",
                logger: logger)
        }
        try await connection.run("DROP SCHEMA \(unescaped: schema)", logger: logger)
    }

    func close() async {
        try? await connection.close()
    }

    private func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
