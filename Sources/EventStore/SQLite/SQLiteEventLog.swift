import Foundation

/// The event log in one SQLite file (WAL mode), with an optional inline projection.
///
/// One writer connection on a serial queue of its own commits appends in groups
/// (see ``GroupCommitWriter``); readers have their own connections and queues. Nothing here
/// runs SQLite on the caller's thread.
public final class SQLiteEventLog: EventLog {
    /// Tuning of the log.
    public struct Configuration: Sendable {
        /// Commit durability. Defaults to ``Durability/full``.
        public var durability: Durability
        /// Read connections. Defaults to `2`.
        public var readerCount: Int
        /// Most appends in one transaction. Defaults to `1024`.
        public var maxBatchSize: Int
        /// Recent events kept in memory for live subscribers. Defaults to `8192`.
        public var tailCapacity: Int
        /// WAL size, in pages, at which a background checkpoint starts. Defaults to `1000`.
        public var checkpointThresholdPages: Int
        /// Called on the writer queue after each transaction, before its appends are acknowledged.
        public var batchObserver: (@Sendable (CommitStatistics) -> Void)?
        /// How long an append that finds the writer idle waits for others to share its commit,
        /// when the previous commit ended less than 20 ms ago; `0` commits
        /// at once. Defaults to 1 ms: see ``CommitDelay``.
        public var commitDelayMicroseconds: Int
        /// How often to look for events other processes appended (`replay erase-user`, another
        /// gateway); `0` never looks, except at each commit. Defaults to 50 ms.
        public var foreignAppendPollMilliseconds: Int

        public init(
            durability: Durability = .full, readerCount: Int = 2, maxBatchSize: Int = 1024, tailCapacity: Int = 8192,
            checkpointThresholdPages: Int = 1000, commitDelayMicroseconds: Int = CommitDelay.defaultMicroseconds,
            foreignAppendPollMilliseconds: Int = 50, batchObserver: (@Sendable (CommitStatistics) -> Void)? = nil
        ) {
            self.foreignAppendPollMilliseconds = foreignAppendPollMilliseconds
            self.commitDelayMicroseconds = commitDelayMicroseconds
            self.checkpointThresholdPages = checkpointThresholdPages
            self.durability = durability
            self.readerCount = readerCount
            self.maxBatchSize = maxBatchSize
            self.tailCapacity = tailCapacity
            self.batchObserver = batchObserver
        }
    }

    public let path: String
    private let writer: GroupCommitWriter
    private let readers: ReaderPool
    private let tail: CommittedEventTail

    private init(path: String, writer: GroupCommitWriter, readers: ReaderPool, tail: CommittedEventTail) {
        self.path = path
        self.writer = writer
        self.readers = readers
        self.tail = tail
    }

    /// Opens the log at `path`, creating it if `create` is true and the file is new, and
    /// brings `projection` up to date with the log before returning.
    ///
    /// - Throws: ``EventStoreError/incompatibleDatabase(_:)`` for a file that is not a chat
    ///   event log or has a newer schema; ``SQLiteError`` when the file cannot be opened.
    public static func open(
        path: String, configuration: Configuration = Configuration(), projection: (any InlineProjection)? = nil,
        create: Bool = true
    ) async throws -> SQLiteEventLog {
        let queue = DispatchQueue(label: "chat.eventstore.writer")
        let (connection, head): (SQLiteConnection, Int64) = try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(
                    with: Result {
                        if !create && !FileManager.default.fileExists(atPath: path) {
                            throw EventStoreError.incompatibleDatabase("no database at \(path)")
                        }
                        let connection = try SQLiteConnection(path: path, create: create)
                        // SQLite opens a file it may not write read-only, without an error.
                        if connection.isReadOnly { throw EventStoreError.readOnly(path: path) }
                        // Keep the WAL file from staying at its largest size after a burst.
                        try connection.enableWALMode()
                        try connection.execute("PRAGMA journal_size_limit = 67108864")
                        try connection.execute(configuration.durability.pragma)
                        // Deleted rows (an erased user's key and text) are overwritten, not left in free space.
                        try connection.execute("PRAGMA secure_delete = ON")
                        try EventLogSchema.prepare(connection, allowCreate: create)
                        if let projection {
                            try projection.prepareSchema(on: connection)
                            try catchUp(projection, on: connection)
                        }
                        return (connection, try EventLogSchema.head(on: connection).position)
                    })
            }
        }
        let checkpointer = try WALCheckpointer(
            path: path, thresholdPages: Int32(configuration.checkpointThresholdPages))
        let tail = CommittedEventTail(head: head, capacity: configuration.tailCapacity)
        let writer = GroupCommitWriter(
            connection: connection, queue: queue, checkpointer: checkpointer, projection: projection, tail: tail,
            maxBatchSize: configuration.maxBatchSize,
            commitDelay: CommitDelay(microseconds: configuration.commitDelayMicroseconds),
            observer: configuration.batchObserver)
        checkpointer.install(on: connection) { [weak writer] in writer?.finishCheckpoint() }
        if configuration.foreignAppendPollMilliseconds > 0 {
            writer.pollForeignAppends(every: .milliseconds(configuration.foreignAppendPollMilliseconds))
        }
        let readers = try ReaderPool(path: path, count: configuration.readerCount)
        return SQLiteEventLog(path: path, writer: writer, readers: readers, tail: tail)
    }

    /// Applies every event after the projection's checkpoint, in bounded batches.
    private static func catchUp(_ projection: any InlineProjection, on connection: SQLiteConnection) throws {
        var checkpoint = try projection.checkpoint(on: connection)
        while true {
            let events = try EventLogSchema.read(after: checkpoint, limit: 1000, on: connection)
            guard let last = events.last else { return }
            try connection.transaction { try projection.apply(events, on: connection) }
            checkpoint = last.position
        }
    }

    public func append(
        _ events: [NewEvent], to stream: String, expectedVersion: ExpectedVersion, metadata: EventMetadata
    ) async throws -> AppendResult {
        guard !events.isEmpty else { throw EventStoreError.emptyAppend }
        let metadataBytes = try metadata.encoded()
        return try await withCheckedThrowingContinuation { continuation in
            writer.submit(
                GroupCommitWriter.PendingAppend(
                    events: events, stream: stream, expectedVersion: expectedVersion, metadata: metadataBytes,
                    continuation: continuation))
        }
    }

    public func read(after position: Int64, limit: Int) async throws -> [RecordedEvent] {
        try await readers.run { try EventLogSchema.read(after: position, limit: limit, on: $0) }
    }

    public func readStream(_ stream: String, after version: Int64, limit: Int) async throws -> [RecordedEvent] {
        try await readers.run { try EventLogSchema.readStream(stream, after: version, limit: limit, on: $0) }
    }

    public func headPosition() async throws -> Int64 { tail.headPosition }

    /// The last committed position, without waiting: what ``headPosition()`` returns.
    public var committedHeadPosition: Int64 { tail.headPosition }

    public func subscribe(after position: Int64) -> EventSubscription {
        EventSubscription(after: position, tail: tail) { [readers] position, limit in
            try await readers.run { try EventLogSchema.read(after: position, limit: limit, on: $0) }
        }
    }

    /// Runs a read-only query on a reader connection, off the caller's thread.
    ///
    /// This is how projections answer queries; the connection sees committed data only.
    public func withReader<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await readers.run(body)
    }

    /// Runs `body` on the writer connection between group commits.
    ///
    /// For maintenance (projection rebuilds). `body` must leave no transaction open.
    public func withWriter<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            writer.queue.async { [writer] in
                let result = Result { try body(writer.connection) }
                writer.connection.resetActiveStatements()
                continuation.resume(with: result)
            }
        }
    }

    /// Calls `observer` with the events other processes append, in order, once this log's
    /// subscribers can see them (on the writer's queue: it must be quick).
    public func observeForeignAppends(_ observer: @escaping @Sendable ([RecordedEvent]) -> Void) {
        writer.observeForeignAppends(observer)
    }

    /// Appends submitted but not yet in a transaction.
    var pendingAppendCount: Int { writer.pendingCount }

    /// Refuses new appends, waits for those in flight, and ends every subscription.
    public func close() async {
        writer.close()
        _ = try? await withWriter { _ in () }
        writer.checkpointer.drain()
        tail.close()
    }
}
