import Foundation

/// Owns the write connection and commits appends in groups.
///
/// Appends that arrive while a transaction is being committed wait in `pending` and go into
/// the next one, so one fsync acknowledges many appends. Each append runs in its own
/// savepoint: a conflict or a projection refusal rolls back that append alone.
///
/// > Note: `@unchecked Sendable`: `pending`, `draining` and `closed` are guarded by `lock`;
/// > the connection and the chain state are touched only on `queue`.
final class GroupCommitWriter: @unchecked Sendable {
    struct PendingAppend {
        var events: [NewEvent]
        var stream: String
        var expectedVersion: ExpectedVersion
        var metadata: [UInt8]
        var continuation: CheckedContinuation<AppendResult, any Error>
    }

    let queue: DispatchQueue
    let connection: SQLiteConnection
    /// Kept alive as long as the connection whose WAL hook points at it.
    let checkpointer: WALCheckpointer
    private let projection: (any InlineProjection)?
    private let tail: CommittedEventTail
    private let maxBatchSize: Int
    private let commitDelay: CommitDelay
    private let observer: (@Sendable (CommitStatistics) -> Void)?

    private let lock = NSLock()
    private var pending: [PendingAppend] = []
    private var draining = false
    private var closed = false
    /// The checkpointer asked for its final pass (see `WALCheckpointer`).
    private var checkpointRequested = false
    /// Keeps `recorded_at` non-decreasing even if the wall clock steps back.
    private var lastRecordedAt: Int64 = 0
    /// When the last transaction ended (uptime nanoseconds), for ``CommitDelay``.
    private var lastCommitEnded: UInt64 = 0
    /// Told of events other processes appended, on the queue, after the tail has them.
    private var foreignObservers: [@Sendable ([RecordedEvent]) -> Void] = []
    /// Wakes the queue to look for other processes' commits (`PRAGMA data_version`).
    private var foreignPoll: (any DispatchSourceTimer)?
    /// The last `data_version` seen (queue only).
    private var dataVersion: Int64 = 0

    init(
        connection: SQLiteConnection, queue: DispatchQueue, checkpointer: WALCheckpointer,
        projection: (any InlineProjection)?,
        tail: CommittedEventTail, maxBatchSize: Int, commitDelay: CommitDelay = CommitDelay(microseconds: 0),
        observer: (@Sendable (CommitStatistics) -> Void)?
    ) {
        self.commitDelay = commitDelay
        self.connection = connection
        self.checkpointer = checkpointer
        self.queue = queue
        self.projection = projection
        self.tail = tail
        self.maxBatchSize = maxBatchSize
        self.observer = observer
    }

    func submit(_ append: PendingAppend) {
        enum Action {
            case reject, wait
            case startDrain(delayed: Bool)
        }
        let action: Action = lock.withLock {
            guard !closed else { return .reject }
            pending.append(append)
            if draining { return .wait }
            draining = true
            return .startDrain(delayed: commitDelay.applies(lastCommitEnded: lastCommitEnded))
        }
        switch action {
        case .reject: append.continuation.resume(throwing: EventStoreError.closed)
        case .wait: break
        case .startDrain(delayed: false): queue.async { self.drain() }
        case .startDrain(delayed: true): queue.asyncAfter(deadline: .now() + commitDelay.interval) { self.drain() }
        }
    }

    /// Runs the checkpointer's final pass before the next commit (or now, when idle).
    func finishCheckpoint() {
        let startDrain: Bool = lock.withLock {
            guard !closed else { return false }
            checkpointRequested = true
            if draining { return false }
            draining = true
            return true
        }
        if startDrain { queue.async { self.drain() } }
    }

    /// Appends waiting for the next transaction (for tests that need a full batch).
    var pendingCount: Int { lock.withLock { pending.count } }

    /// Refuses new appends; those already submitted still commit.
    func close() {
        let poll: (any DispatchSourceTimer)? = lock.withLock {
            closed = true
            defer { foreignPoll = nil }
            return foreignPoll
        }
        poll?.cancel()
    }

    /// Adds `observer` for events other processes append.
    func observeForeignAppends(_ observer: @escaping @Sendable ([RecordedEvent]) -> Void) {
        lock.withLock { foreignObservers.append(observer) }
    }

    /// Looks for other processes' commits every `interval`: a change of `data_version` (which
    /// this connection's own commits do not make) sends the queue to read them.
    func pollForeignAppends(every interval: DispatchTimeInterval) {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(5))
        timer.setEventHandler { [weak self] in self?.checkForForeignAppends() }
        let started: Bool = lock.withLock {
            guard !closed else { return false }
            foreignPoll = timer
            return true
        }
        guard started else { return }
        // Queued before the first tick: the baseline is read first.
        queue.async { [self] in dataVersion = (try? currentDataVersion()) ?? 0 }
        timer.resume()
    }

    private func currentDataVersion() throws -> Int64 {
        let statement = try connection.cachedStatement("PRAGMA data_version")
        defer { statement.reset() }
        _ = try statement.step()
        return statement.int64(0)
    }

    private func checkForForeignAppends() {
        guard let version = try? currentDataVersion(), version != dataVersion else { return }
        dataVersion = version
        do {
            try absorbForeignAppends(inTransaction: false)
        } catch {
            // The next commit, or the next change, tries again; nothing is lost meanwhile.
        }
        connection.resetActiveStatements()
    }

    /// Reads what other processes committed after the tail's head and hands it on: to the
    /// projection (which catches up, if they did not project it), to the tail (so that
    /// subscribers see one gapless log) and to the observers.
    private func absorbForeignAppends(inTransaction: Bool) throws {
        var known = tail.headPosition
        while true {
            let events = try EventLogSchema.read(after: known, limit: 512, on: connection)
            guard let last = events.last else { return }
            if let projection {
                if !inTransaction, try projection.checkpoint(on: connection) < last.position {
                    try connection.transaction { try projection.absorbForeign(events, on: connection) }
                } else {
                    try projection.absorbForeign(events, on: connection)
                }
            }
            tail.publish(events)
            for observer in lock.withLock({ foreignObservers }) { observer(events) }
            known = last.position
        }
    }

    private func drain() {
        while true {
            let (batch, checkpoint): ([PendingAppend], Bool) = lock.withLock {
                let taken = Array(pending.prefix(maxBatchSize))
                pending.removeFirst(taken.count)
                let checkpoint = checkpointRequested
                checkpointRequested = false
                if taken.isEmpty, !checkpoint {
                    draining = false
                    lastCommitEnded = DispatchTime.now().uptimeNanoseconds
                }
                return (taken, checkpoint)
            }
            // Before the batch, so that the batch's own commit can restart the WAL.
            if checkpoint {
                WALCheckpointer.finish(on: connection)
                connection.resetActiveStatements()
            }
            if batch.isEmpty {
                if checkpoint { continue }
                return
            }
            commit(batch)
        }
    }

    private func commit(_ batch: [PendingAppend]) {
        var results = [Result<AppendResult, any Error>]()
        results.reserveCapacity(batch.count)
        var committed = [RecordedEvent]()
        do {
            try connection.cachedStatement("BEGIN IMMEDIATE").run()
            // Re-read the head each time so that another writer of the same file (an import,
            // a second process) can never fork the chain.
            var (headPosition, headHash) = try EventLogSchema.head(on: connection)
            if headPosition > tail.headPosition { try absorbForeignAppends(inTransaction: true) }
            let recordedAt = max(lastRecordedAt, Int64(Date().timeIntervalSince1970 * 1000))
            for append in batch {
                try connection.cachedStatement("SAVEPOINT append").run()
                do {
                    let result = try appendInSavepoint(
                        append, after: headPosition, previousHash: headHash, recordedAt: recordedAt)
                    try connection.cachedStatement("RELEASE append").run()
                    headPosition = result.lastPosition
                    headHash = result.events.last!.hash
                    results.append(.success(result))
                } catch {
                    try connection.cachedStatement("ROLLBACK TO append").run()
                    try connection.cachedStatement("RELEASE append").run()
                    results.append(.failure(error))
                }
            }
            try connection.cachedStatement("COMMIT").run()
            lastRecordedAt = recordedAt
            for case .success(let result) in results { committed.append(contentsOf: result.events) }
        } catch {
            if connection.isInTransaction { try? connection.execute("ROLLBACK") }
            let failure = EventStoreError.storage(error)
            results = batch.map { _ in .failure(failure) }
        }
        connection.resetActiveStatements()
        observer?(CommitStatistics(appends: batch.count, events: committed.count))
        tail.publish(committed)
        for (append, result) in zip(batch, results) { append.continuation.resume(with: result) }
    }

    private func appendInSavepoint(
        _ append: PendingAppend, after headPosition: Int64, previousHash: [UInt8], recordedAt: Int64
    ) throws -> AppendResult {
        let versionQuery = try connection.cachedStatement("SELECT MAX(stream_version) FROM events WHERE stream_id = ?")
        versionQuery.bind(1, append.stream)
        _ = try versionQuery.step()
        let currentVersion = versionQuery.optionalInt64(0) ?? 0
        versionQuery.reset()
        guard append.expectedVersion.accepts(currentVersion: currentVersion) else {
            throw EventStoreError.wrongExpectedVersion(
                stream: append.stream, expected: append.expectedVersion, actual: currentVersion)
        }
        let insert = try connection.cachedStatement(
            "INSERT INTO events (\(EventLogSchema.selectColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        var recorded = [RecordedEvent]()
        recorded.reserveCapacity(append.events.count)
        var position = headPosition
        var version = currentVersion
        var hash = previousHash
        for event in append.events {
            position += 1
            version += 1
            hash = EventHash.chain(
                previous: hash, position: position, streamID: append.stream, streamVersion: version, type: event.type,
                schemaVersion: event.schemaVersion, data: event.data, metadata: append.metadata, recordedAt: recordedAt)
            insert.bind(1, position)
            insert.bind(2, append.stream)
            insert.bind(3, version)
            insert.bind(4, event.type)
            insert.bind(5, event.schemaVersion)
            insert.bindText(6, event.data)
            insert.bindText(7, append.metadata)
            insert.bind(8, recordedAt)
            insert.bindBlob(9, hash)
            try insert.run()
            recorded.append(
                RecordedEvent(
                    position: position, streamID: append.stream, streamVersion: version, type: event.type,
                    schemaVersion: event.schemaVersion, data: event.data, metadata: append.metadata,
                    recordedAt: recordedAt, hash: hash))
        }
        if let projection {
            do {
                try projection.apply(recorded, on: connection)
            } catch {
                throw EventStoreError.rejectedByProjection(error)
            }
        }
        return AppendResult(events: recorded, streamVersion: version)
    }
}
