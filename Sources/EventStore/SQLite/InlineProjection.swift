/// A read model kept in the same database as the log and updated in the same transaction
/// as the events it reflects.
///
/// The log calls it on its writer connection, inside the append's savepoint: if `apply`
/// throws, the append is rolled back and fails with
/// ``EventStoreError/rejectedByProjection(_:)``, and its batch neighbours still commit.
public protocol InlineProjection: Sendable {
    /// Creates missing tables; called once when the log opens.
    func prepareSchema(on connection: SQLiteConnection) throws

    /// The position of the last event applied (its checkpoint).
    func checkpoint(on connection: SQLiteConnection) throws -> Int64

    /// Applies events in order and advances the checkpoint, in the caller's transaction.
    func apply(_ events: [RecordedEvent], on connection: SQLiteConnection) throws

    /// Takes in events another process appended (and most likely applied already, which
    /// `apply` skips by its checkpoint), so that what this process holds in memory follows.
    func absorbForeign(_ events: [RecordedEvent], on connection: SQLiteConnection) throws
}

extension InlineProjection {
    public func absorbForeign(_ events: [RecordedEvent], on connection: SQLiteConnection) throws {
        try apply(events, on: connection)
    }
}
