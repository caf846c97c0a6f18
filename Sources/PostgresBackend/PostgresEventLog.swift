public import EventStore
import Foundation
public import Logging
public import PostgresNIO

/// The event log in a PostgreSQL database that several gateways share.
///
/// Appends commit in groups through one writer task (``PostgresGroupCommit``) under the
/// head row's lock: positions are gapless and in commit order, and one hash chain runs
/// through them, whichever gateway appended. Each gateway follows the log: LISTEN wakes it
/// when another commits, a poll covers a lost notification, and what it reads goes into the
/// same tail as its own commits, so subscribers see one log.
public final class PostgresEventLog: EventLog, @unchecked Sendable {
    /// Tuning of the log.
    public struct Configuration: Sendable {
        /// Most appends in one transaction. Defaults to `1024`.
        public var maxBatchSize: Int
        /// Recent events kept in memory for live subscribers. Defaults to `8192`.
        public var tailCapacity: Int
        /// Connections to the server, for appends and reads together. Defaults to `8`.
        public var maximumConnections: Int
        /// How often to look for other gateways' commits without a notification. Defaults to 1 s.
        public var pollInterval: Duration
        /// How long a command waits for a connection before it fails (`unavailable`): while
        /// the server is down. Defaults to 3 s.
        public var leaseTimeout: Duration
        /// Called after each transaction, before its appends are acknowledged.
        public var batchObserver: (@Sendable (CommitStatistics) -> Void)?

        public init(
            maxBatchSize: Int = 1024, tailCapacity: Int = 8192, maximumConnections: Int = 8,
            pollInterval: Duration = .seconds(1), leaseTimeout: Duration = .seconds(3),
            batchObserver: (@Sendable (CommitStatistics) -> Void)? = nil
        ) {
            self.leaseTimeout = leaseTimeout
            self.maxBatchSize = maxBatchSize
            self.tailCapacity = tailCapacity
            self.maximumConnections = maximumConnections
            self.pollInterval = pollInterval
            self.batchObserver = batchObserver
        }
    }

    public let url: PostgresURL
    let client: PostgresClient
    let logger: Logger
    let leaseTimeout: Duration
    private let tail: CommittedEventTail
    private let writer: PostgresGroupCommit
    private let tasks: [Task<Void, Never>]
    private let clientTask: Task<Void, Never>
    /// `typing` to and from the other gateways on this database.
    let typingRelay: PostgresTypingRelay

    private init(
        url: PostgresURL, client: PostgresClient, clientTask: Task<Void, Never>, tail: CommittedEventTail,
        writer: PostgresGroupCommit, configuration: Configuration, logger: Logger
    ) {
        self.url = url
        self.client = client
        self.clientTask = clientTask
        self.tail = tail
        self.writer = writer
        self.logger = logger
        self.leaseTimeout = configuration.leaseTimeout
        let relay = PostgresTypingRelay(logger: logger) { [client, logger] payload in
            _ = try await client.query(
                "SELECT pg_notify(\(PostgresTypingRelay.channel), \(payload))", logger: logger)
        }
        self.typingRelay = relay
        let listener = NotificationFollower(
            url: url, logger: logger, wake: { [writer] in writer.requestCatchUp() },
            typing: { relay.received($0) })
        let interval = configuration.pollInterval
        self.tasks = [
            Task { await writer.run() },
            Task { await listener.run() },
            Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    writer.requestCatchUp()
                }
            },
        ]
    }

    /// Connects, creates the schema if the database has none (unless `create` is `false`),
    /// and brings `projection` up to date with the log before returning.
    ///
    /// - Throws: ``PostgresBackendError/newerSchema(_:)``, ``PostgresBackendError/noChatLog(_:)``; ``EventStoreError/storage(_:)``
    ///   when the server cannot be reached or refuses.
    public static func open(
        url: PostgresURL, configuration: Configuration = Configuration(),
        projection: (any PostgresInlineProjection)? = nil, create: Bool = true,
        logger: Logger = Logger(label: "chat.postgres")
    ) async throws -> PostgresEventLog {
        // The pool logs every failed connection attempt (several a second while the server
        // is down: commands failing as `unavailable` say enough), and warns of a lease made
        // before its run loop started, which then waits for it: the first lease here races
        // with the task that starts it, harmlessly.
        var poolLogger = logger
        poolLogger.logLevel = max(logger.logLevel, .error)
        let client = PostgresClient(
            configuration: url.clientConfiguration(maximumConnections: configuration.maximumConnections),
            backgroundLogger: poolLogger)
        let clientTask = Task { await client.run() }
        let head: Int64
        do {
            head = try await PostgresFailure.mapped {
                try await client.withConnection { connection in
                    try await PostgresSchema.prepare(on: connection, create: create, url: url, logger: logger)
                    if let projection { try await catchUp(projection, on: connection, logger: logger) }
                    return try await headPosition(on: connection, logger: logger)
                }
            }
        } catch {
            clientTask.cancel()
            throw error
        }
        let tail = CommittedEventTail(head: head, capacity: configuration.tailCapacity)
        let writer = PostgresGroupCommit(
            client: client, leaseTimeout: configuration.leaseTimeout, projection: projection, tail: tail,
            maxBatchSize: configuration.maxBatchSize,
            batchObserver: configuration.batchObserver, logger: logger)
        return PostgresEventLog(
            url: url, client: client, clientTask: clientTask, tail: tail, writer: writer,
            configuration: configuration, logger: logger)
    }

    /// Applies what the projection lacks (a database filled by `replay import`, or a
    /// projection rebuilt), under the head lock so that no gateway appends meanwhile.
    private static func catchUp(
        _ projection: any PostgresInlineProjection, on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.transaction(logger: logger) {
            try await connection.run("SELECT 1 FROM event_log_head WHERE id = 1 FOR UPDATE", logger: logger)
            var checkpoint = try await projection.checkpoint(on: connection, logger: logger)
            while true {
                let events = try await EventRows.read(after: checkpoint, limit: 1000, on: connection, logger: logger)
                guard let last = events.last else { break }
                try await projection.prepare(toApply: events, on: connection, logger: logger)
                try await projection.apply(events, on: connection, logger: logger)
                checkpoint = last.position
            }
        }
    }

    static func headPosition(on connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        try await connection.firstInt64("SELECT last_position FROM event_log_head WHERE id = 1", logger: logger) ?? 0
    }

    public func append(
        _ events: [NewEvent], to stream: String, expectedVersion: ExpectedVersion, metadata: EventMetadata
    ) async throws -> AppendResult {
        guard !events.isEmpty else { throw EventStoreError.emptyAppend }
        let metadataBytes = try metadata.encoded()
        return try await withCheckedThrowingContinuation { continuation in
            writer.submit(
                PostgresGroupCommit.PendingAppend(
                    events: events, stream: stream, expectedVersion: expectedVersion, metadata: metadataBytes,
                    continuation: continuation))
        }
    }

    public func read(after position: Int64, limit: Int) async throws -> [RecordedEvent] {
        try await storage { [logger] in
            try await EventRows.read(after: position, limit: limit, on: $0, logger: logger)
        }
    }

    public func readStream(_ stream: String, after version: Int64, limit: Int) async throws -> [RecordedEvent] {
        try await storage { [logger] in
            try await EventRows.readStream(stream, after: version, limit: limit, on: $0, logger: logger)
        }
    }

    /// The head of the shared log, as the database has it now (other gateways' commits included).
    public func headPosition() async throws -> Int64 {
        try await storage { [logger] in try await Self.headPosition(on: $0, logger: logger) }
    }

    public var committedHeadPosition: Int64 { tail.headPosition }

    public func subscribe(after position: Int64) -> EventSubscription {
        EventSubscription(after: position, tail: tail) { [self] position, limit in
            try await read(after: position, limit: limit)
        }
    }

    public func observeForeignAppends(_ observer: @escaping @Sendable ([RecordedEvent]) -> Void) {
        writer.observeForeignAppends(observer)
    }

    /// Runs `body` on a pooled connection; PostgreSQL's failures become
    /// ``EventStoreError/storage(_:)``, which the gateway answers as `unavailable`.
    public func storage<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T)
        async throws -> T
    {
        try await PostgresFailure.mapped { try await client.withConnection(leaseTimeout: leaseTimeout, body) }
    }

    /// Refuses new appends, waits for those in flight, ends every subscription and disconnects.
    public func close() async {
        writer.close()
        await tasks[0].value
        for task in tasks.dropFirst() { task.cancel() }
        for task in tasks.dropFirst() { await task.value }
        tail.close()
        clientTask.cancel()
        await clientTask.value
    }
}
