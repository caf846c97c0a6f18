import EventStore
import Foundation
import Logging
import PostgresNIO

/// The one task of a gateway that writes the log, and the only one that publishes to its tail.
///
/// Appends queue in `pending`; each transaction takes every queued append (up to the batch
/// size), locks the head row, and reads what other gateways committed since this one last
/// looked, so that the tail receives positions in order and without gaps. Between
/// transactions it catches up with other gateways when asked (by a notification or the poll).
///
/// > Note: `@unchecked Sendable`: `pending`, `catchUpRequested` and `closed` are guarded by
/// > `lock`; everything else is touched only by the task running ``run()``.
final class PostgresGroupCommit: @unchecked Sendable {
    struct PendingAppend: Sendable {
        var events: [NewEvent]
        var stream: String
        var expectedVersion: ExpectedVersion
        var metadata: [UInt8]
        var continuation: CheckedContinuation<AppendResult, any Error>
    }

    private let client: PostgresClient
    private let leaseTimeout: Duration
    private let projection: (any PostgresInlineProjection)?
    private let tail: CommittedEventTail
    private let maxBatchSize: Int
    private let batchObserver: (@Sendable (CommitStatistics) -> Void)?
    private let logger: Logger

    private let lock = NSLock()
    private var pending: [PendingAppend] = []
    private var catchUpRequested = false
    private var closed = false
    private var foreignObservers: [@Sendable ([RecordedEvent]) -> Void] = []
    private let wakeUps: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    /// Keeps `recorded_at` non-decreasing even if the wall clock steps back.
    private var lastRecordedAt: Int64 = 0
    /// The head as of the tail's: what an append would chain to if nothing else was committed.
    private var knownHead: (position: Int64, hash: [UInt8])?
    private var streamVersions = StreamVersionCache()
    /// Set when another gateway committed between two of this one's batches: the next batch
    /// goes straight to `chat_log_append`, which does not need to know the head.
    private var othersAreAppending = false

    init(
        client: PostgresClient, leaseTimeout: Duration, projection: (any PostgresInlineProjection)?,
        tail: CommittedEventTail, maxBatchSize: Int, batchObserver: (@Sendable (CommitStatistics) -> Void)?,
        logger: Logger
    ) {
        self.client = client
        self.leaseTimeout = leaseTimeout
        self.projection = projection
        self.tail = tail
        self.maxBatchSize = maxBatchSize
        self.batchObserver = batchObserver
        self.logger = logger
        (wakeUps, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func submit(_ append: PendingAppend) {
        let accepted: Bool = lock.withLock {
            guard !closed else { return false }
            pending.append(append)
            return true
        }
        guard accepted else { return append.continuation.resume(throwing: EventStoreError.closed) }
        wake.yield()
    }

    /// Asks the writer to read what other gateways committed, when it is next idle.
    func requestCatchUp() {
        lock.withLock { catchUpRequested = true }
        wake.yield()
    }

    func observeForeignAppends(_ observer: @escaping @Sendable ([RecordedEvent]) -> Void) {
        lock.withLock { foreignObservers.append(observer) }
    }

    /// Refuses new appends; those queued still commit (or fail), then ``run()`` returns.
    func close() {
        lock.withLock { closed = true }
        wake.finish()
    }

    /// Commits queued appends until closed and drained.
    func run() async {
        for await _ in wakeUps {
            await drain()
        }
        await drain()
    }

    private func drain() async {
        while true {
            let (batch, catchUp): ([PendingAppend], Bool) = lock.withLock {
                let taken = Array(pending.prefix(maxBatchSize))
                pending.removeFirst(taken.count)
                defer { catchUpRequested = false }
                return (taken, catchUpRequested)
            }
            if !batch.isEmpty {
                await commit(batch)
            } else if catchUp {
                do {
                    try await client.withConnection(leaseTimeout: leaseTimeout) { try await self.catchUp(on: $0) }
                } catch {
                    // The next notification, poll or commit tries again; nothing is lost meanwhile.
                    logger.debug(
                        "catching up with the log failed",
                        metadata: ["chat.error": "\(PostgresFailure(underlying: error))"])
                }
            } else {
                return
            }
        }
    }

    /// Hands events other gateways committed, after the tail's head and in order, to the
    /// projection (for what it keeps in memory), the tail and the observers.
    private func publishForeign(_ events: [RecordedEvent]) {
        guard let last = events.last else { return }
        projection?.absorbForeign(events)
        streamVersions.advance(with: events)
        tail.publish(events)
        knownHead = (last.position, last.hash)
        lastRecordedAt = max(lastRecordedAt, last.recordedAt)
        for observer in lock.withLock({ foreignObservers }) { observer(events) }
    }

    /// Publishes what others committed after the tail's head.
    private func catchUp(on connection: PostgresConnection) async throws {
        while true {
            let events = try await EventRows.read(
                after: tail.headPosition, limit: 512, on: connection, logger: logger)
            guard !events.isEmpty else { return }
            publishForeign(events)
        }
    }

    private func commit(_ batch: [PendingAppend]) async {
        var results: [Result<AppendResult, any Error>]
        do {
            results = try await client.withConnection(leaseTimeout: leaseTimeout) { connection in
                if let results = try await self.appendInOneStatement(batch, on: connection) { return results }
                do {
                    return try await self.transaction(batch, on: connection)
                } catch let refusal as ProjectionRefusal {
                    guard batch.count > 1 else {
                        return [.failure(EventStoreError.rejectedByProjection(refusal.error))]
                    }
                    // One append of the batch is refused: find it by committing each alone.
                    var results = [Result<AppendResult, any Error>]()
                    for append in batch {
                        do {
                            results.append(contentsOf: try await self.transaction([append], on: connection))
                        } catch let refusal as ProjectionRefusal {
                            results.append(.failure(EventStoreError.rejectedByProjection(refusal.error)))
                        } catch {
                            // This one alone fails: those already committed stay acknowledged.
                            results.append(.failure(PostgresFailure.storage(error)))
                        }
                    }
                    return results
                }
            }
        } catch {
            // The transaction may or may not have committed (a lost connection during COMMIT):
            // the next catch-up publishes whatever did, as events of another writer.
            results = batch.map { _ in .failure(PostgresFailure.storage(error)) }
        }
        var committed = 0
        for case .success(let result) in results { committed += result.events.count }
        batchObserver?(CommitStatistics(appends: batch.count, events: committed))
        for (append, result) in zip(batch, results) { append.continuation.resume(with: result) }
    }

    /// Takes the head lock and reads the streams' versions in one round trip.
    ///
    /// The versions come from the statement's snapshot, taken before the lock was granted:
    /// they are current only when the head is the one this process last knew (nothing was
    /// committed since); the caller calls again otherwise, and the lock, already held, is
    /// granted at once.
    private func lockHead(readingVersionsOf streams: [String], on connection: PostgresConnection) async throws
        -> (head: (position: Int64, hash: [UInt8]), versions: [String: Int64])
    {
        var head: (position: Int64, hash: [UInt8]) = (0, EventHash.genesis)
        var versions = [String: Int64]()
        for try await (position, hash, streamIDs, streamVersions) in try await connection.query(
            """
            SELECT head.last_position, head.last_hash, current.streams, current.versions
            FROM event_log_head AS head, LATERAL (
                SELECT coalesce(array_agg(stream_id), '{}') AS streams, coalesce(array_agg(version), '{}') AS versions
                FROM (SELECT stream_id, max(stream_version) AS version FROM events
                    WHERE stream_id = ANY(\(streams)) GROUP BY stream_id) AS latest) AS current
            WHERE head.id = 1 FOR UPDATE OF head
            """, logger: logger
        ).decode((Int64, ByteBuffer, [String], [Int64]).self) {
            head = (position, Array(hash.readableBytesView))
            versions = Dictionary(uniqueKeysWithValues: zip(streamIDs, streamVersions))
        }
        return (head, versions)
    }

    /// A projection's refusal, which rolls the transaction back.
    private struct ProjectionRefusal: Error {
        var error: any Error
    }

    /// One transaction for `batch`: each append's result, or throws (rolled back).
    private func transaction(_ batch: [PendingAppend], on connection: PostgresConnection) async throws
        -> [Result<AppendResult, any Error>]
    {
        let (results, recorded, head, versions) = try await connection.transaction(logger: logger) {
            try await appendLocked(batch, on: connection)
        }
        committed(recorded, head: head, versions: versions)
        return results
    }

    /// Takes in what this gateway committed: the tail publishes it.
    ///
    /// - Parameters:
    ///   - head: the head after the commit, when this gateway knows its hash.
    ///   - versions: streams' versions as of that head.
    private func committed(
        _ recorded: [RecordedEvent], head: (position: Int64, hash: [UInt8])?, versions: [String: Int64]
    ) {
        if let last = recorded.last { lastRecordedAt = last.recordedAt }
        if let head { knownHead = head }
        streamVersions.store(versions)
        tail.publish(recorded)
    }

    /// Commits `batch` with one statement outside any transaction — one round trip and one
    /// WAL flush in all — when the projection can be written into it (new messages can).
    ///
    /// When this gateway knows the head (nothing was committed since its last look; always so
    /// with one gateway) and the version of every stream of the batch, it assigns positions,
    /// versions and hashes itself, and the statement appends only if the head is still that
    /// one. Otherwise, or when the head moved meanwhile, `chat_log_append` does it all under
    /// the lock in the server, and answers what other gateways committed since this one's
    /// tail. The first is cheaper for the server; the second needs no knowledge of the head.
    ///
    /// - Returns: the results, or `nil` when the batch must go through a transaction: the
    ///   projection cannot be one statement, or the server refused the statement (the
    ///   transaction tells which append it refuses).
    private func appendInOneStatement(_ batch: [PendingAppend], on connection: PostgresConnection) async throws
        -> [Result<AppendResult, any Error>]?
    {
        do {
            if !othersAreAppending {
                switch try await appendAfterKnownHead(batch, on: connection) {
                case .committed(let results): return results
                case .cannotBeOneStatement: return nil
                case .headUnknown: break
                }
            }
            return try await appendThroughFunction(batch, on: connection)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] != nil {
            return nil
        }
    }

    private enum OneStatementOutcome {
        case committed([Result<AppendResult, any Error>])
        /// Nothing was sent, or nothing was appended: the head moved, a stream is unknown, or
        /// a version this gateway holds does not accept an append (it may be stale).
        case headUnknown
        case cannotBeOneStatement
    }

    private func appendAfterKnownHead(_ batch: [PendingAppend], on connection: PostgresConnection) async throws
        -> OneStatementOutcome
    {
        guard let head = knownHead, head.position == tail.headPosition else { return .headUnknown }
        var versions = [String: Int64]()
        for append in batch {
            guard let version = streamVersions[append.stream] else { return .headUnknown }
            versions[append.stream] = version
        }
        let (results, recorded) = record(batch, after: head, versions: &versions)
        for case .failure in results { return .headUnknown }
        let outcome = try await EventRows.append(recorded, ifHeadIs: head.position, on: connection, logger: logger) {
            [projection] positions, statement in
            projection?.writeApplying(batch.flatMap(\.events), at: positions, into: &statement) ?? true
        }
        switch outcome {
        case .appended:
            committed(recorded, head: (recorded.last!.position, recorded.last!.hash), versions: versions)
            return .committed(results)
        case .headMoved:
            othersAreAppending = true
            return .headUnknown
        case .notOneStatement:
            return .cannotBeOneStatement
        }
    }

    private func appendThroughFunction(_ batch: [PendingAppend], on connection: PostgresConnection) async throws
        -> [Result<AppendResult, any Error>]?
    {
        let appends = batch.map {
            EventRows.Append(
                stream: $0.stream, expectedVersion: $0.expectedVersion, events: $0.events, metadata: $0.metadata)
        }
        let answer = try await EventRows.appendInOneStatement(
            appends, knownHead: tail.headPosition,
            recordedAt: max(lastRecordedAt, Int64(Date().timeIntervalSince1970 * 1000)), on: connection,
            logger: logger
        ) { [projection] positions, statement in
            projection?.writeApplying(appends.flatMap(\.events), at: positions, into: &statement) ?? true
        }
        guard let answer else { return nil }
        // Quiet others: the next batch tries the cheaper statement again.
        othersAreAppending = !answer.foreign.isEmpty
        publishForeign(answer.foreign)
        var recorded = [RecordedEvent]()
        var versions = [String: Int64]()
        let results = zip(batch, answer.outcomes).map { append, outcome -> Result<AppendResult, any Error> in
            switch outcome {
            case .success(let events):
                recorded += events
                let version = events.last?.streamVersion ?? 0
                versions[append.stream] = version
                return .success(AppendResult(events: events, streamVersion: version))
            case .failure(let refusal):
                versions[append.stream] = refusal.actualVersion
                return .failure(
                    EventStoreError.wrongExpectedVersion(
                        stream: append.stream, expected: append.expectedVersion, actual: refusal.actualVersion))
            }
        }
        committed(recorded, head: recorded.last.map { ($0.position, $0.hash) }, versions: versions)
        return results
    }

    private func appendLocked(_ batch: [PendingAppend], on connection: PostgresConnection) async throws -> (
        [Result<AppendResult, any Error>], [RecordedEvent], head: (position: Int64, hash: [UInt8]),
        versions: [String: Int64]
    ) {
        // Every gateway's transaction takes this lock first: positions are assigned, and
        // become visible, in commit order.
        let streams = Array(Set(batch.map(\.stream)))
        var (head, versions) = try await lockHead(readingVersionsOf: streams, on: connection)
        if head.position > tail.headPosition {
            // Another gateway committed: the versions were read before the lock was granted.
            // Read again, in a statement of its own (a fresh snapshot; the lock is held).
            try await catchUp(on: connection)
            (head, versions) = try await lockHead(readingVersionsOf: streams, on: connection)
        }
        let (results, recorded) = record(batch, after: head, versions: &versions)
        guard let last = recorded.last else { return (results, recorded, head, versions) }
        try await EventRows.append(recorded, on: connection, logger: logger)
        if let projection {
            do {
                try await projection.apply(recorded, on: connection, logger: logger)
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == nil {
                throw error  // the connection failed, not the projection
            } catch {
                throw ProjectionRefusal(error: error)
            }
        }
        return (results, recorded, (last.position, last.hash), versions)
    }

    /// Gives each append of `batch` its positions, stream versions and hashes after `head`,
    /// or its failure when its expected version does not hold; `versions` holds the streams'
    /// versions before, and after on return.
    private func record(
        _ batch: [PendingAppend], after head: (position: Int64, hash: [UInt8]), versions: inout [String: Int64]
    ) -> (results: [Result<AppendResult, any Error>], recorded: [RecordedEvent]) {
        var head = head
        let recordedAt = max(lastRecordedAt, Int64(Date().timeIntervalSince1970 * 1000))
        var results = [Result<AppendResult, any Error>]()
        var recorded = [RecordedEvent]()
        for append in batch {
            let current = versions[append.stream] ?? 0
            guard append.expectedVersion.accepts(currentVersion: current) else {
                results.append(
                    .failure(
                        EventStoreError.wrongExpectedVersion(
                            stream: append.stream, expected: append.expectedVersion, actual: current)))
                continue
            }
            var events = [RecordedEvent]()
            var version = current
            for event in append.events {
                version += 1
                let position = head.position + 1
                let hash = EventHash.chain(
                    previous: head.hash, position: position, streamID: append.stream, streamVersion: version,
                    type: event.type, schemaVersion: event.schemaVersion, data: event.data, metadata: append.metadata,
                    recordedAt: recordedAt)
                events.append(
                    RecordedEvent(
                        position: position, streamID: append.stream, streamVersion: version, type: event.type,
                        schemaVersion: event.schemaVersion, data: event.data, metadata: append.metadata,
                        recordedAt: recordedAt, hash: hash))
                head = (position, hash)
            }
            versions[append.stream] = version
            recorded.append(contentsOf: events)
            results.append(.success(AppendResult(events: events, streamVersion: version)))
        }
        return (results, recorded)
    }
}
