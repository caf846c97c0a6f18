/// An append-only, hash-chained event log.
///
/// This is the interface the rest of the system depends on: ``SQLiteEventLog`` implements it
/// in one embedded file, `PostgresEventLog` (module PostgresBackend) in a database several
/// gateways share.
public protocol EventLog: Sendable {
    /// Appends `events` atomically to `stream` if its version matches `expectedVersion`.
    ///
    /// Returns only once the events are durably committed.
    /// - Throws: ``EventStoreError/wrongExpectedVersion(stream:expected:actual:)`` on a conflict.
    func append(
        _ events: [NewEvent], to stream: String, expectedVersion: ExpectedVersion, metadata: EventMetadata
    ) async throws -> AppendResult

    /// Up to `limit` events with position greater than `position`, in order.
    func read(after position: Int64, limit: Int) async throws -> [RecordedEvent]

    /// Up to `limit` events of `stream` with version greater than `version`, in order.
    func readStream(_ stream: String, after version: Int64, limit: Int) async throws -> [RecordedEvent]

    /// The position of the last committed event; 0 for an empty log.
    func headPosition() async throws -> Int64

    /// The last committed position this process knows of, without waiting (for health checks).
    var committedHeadPosition: Int64 { get }

    /// Every committed event after `position`, in order: the log's history first, then live
    /// events as they commit — this process's and any other writer's — with no gap and no
    /// duplicate.
    func subscribe(after position: Int64) -> EventSubscription

    /// Calls `observer` with the events other writers append, in order, once subscribers can
    /// see them, so that what a process caches can follow them.
    func observeForeignAppends(_ observer: @escaping @Sendable ([RecordedEvent]) -> Void)

    /// Refuses new appends, waits for those in flight, and ends every subscription.
    func close() async
}
