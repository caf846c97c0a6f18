public import EventStore
public import Logging
public import PostgresNIO

/// A read model in the log's PostgreSQL database, updated in the append's transaction
/// (the PostgreSQL twin of ``InlineProjection``).
///
/// If `apply` throws, the batch is rolled back and its appends are tried one transaction
/// each, so that only the one the projection refuses fails, with
/// ``EventStoreError/rejectedByProjection(_:)``.
public protocol PostgresInlineProjection: Sendable {
    /// The position of the last event applied.
    func checkpoint(on connection: PostgresConnection, logger: Logger) async throws -> Int64

    /// Called before ``apply(_:on:logger:)`` with events this process did not append (a
    /// catch-up): reads ahead what applying them needs (the keys of their authors).
    func prepare(toApply events: [RecordedEvent], on connection: PostgresConnection, logger: Logger) async throws

    /// Applies events in order and advances the checkpoint, in the caller's transaction.
    func apply(_ events: [RecordedEvent], on connection: PostgresConnection, logger: Logger) async throws

    /// Writes applying `events` — appended by the same statement — and advancing the
    /// checkpoint, as common table expressions of `statement`. Returns `false`, having written
    /// nothing, when it cannot (the log then calls ``apply(_:on:logger:)`` in a
    /// transaction). Must not fail where `apply` would not.
    func writeApplying(_ events: [NewEvent], at positions: AppendedPositions, into statement: inout StatementBuilder)
        -> Bool

    /// Takes in events another gateway appended (and applied), so that what this process
    /// holds in memory follows.
    func absorbForeign(_ events: [RecordedEvent])
}

extension PostgresInlineProjection {
    public func writeApplying(
        _ events: [NewEvent], at positions: AppendedPositions, into statement: inout StatementBuilder
    ) -> Bool {
        false
    }
}

/// Where the positions of the events a one-statement append writes are, for the projection
/// written into the same statement.
public enum AppendedPositions: Sendable {
    /// Assigned by this gateway, one per event; the statement appends only when `condition`
    /// (SQL) holds, and the projection's parts must hold to it too.
    case assigned([Int64], when: String)
    /// Assigned by the server: `relation` has the `event_index` (1-based, in the order of the
    /// events) and the `event_position` of each event appended; those of a refused append
    /// are not in it.
    case inRelation(String)
}
