import ChatTestSupport
import Foundation
import Testing

@testable import EventStore

@Suite struct SQLiteEventLogTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory() }

    // Order, the hash chain and conflicts are checked on every backend by
    // `EventLogConformanceTests`; what follows is particular to the SQLite log.

    @Test func oneFailingAppendDoesNotFailItsBatchNeighbours() async throws {
        let batches = BatchSizes()
        let log = try await SQLiteEventLog.open(
            path: directory.path("log.db"), configuration: .init(batchObserver: { batches.record($0) }))
        _ = try await log.append([event("seed", "{}")], to: "taken", expectedVersion: .any, metadata: .init())

        // Hold the writer so that the next appends queue up and commit as one group.
        let gate = DispatchSemaphore(value: 0)
        let held = Task { try await log.withWriter { _ in gate.wait() } }
        try await waitUntil { batches.count == 1 }
        let good1 = Task {
            try await log.append([event("x", "{}")], to: "a", expectedVersion: .noStream, metadata: .init())
        }
        let bad = Task {
            try await log.append([event("x", "{}")], to: "taken", expectedVersion: .noStream, metadata: .init())
        }
        let good2 = Task {
            try await log.append([event("x", "{}")], to: "b", expectedVersion: .noStream, metadata: .init())
        }
        try await waitUntil { log.pendingAppendCount == 3 }
        gate.signal()
        try await held.value

        let first = try await good1.value
        let second = try await good2.value
        await #expect(throws: EventStoreError.self) { try await bad.value }
        #expect(batches.sizes == [1, 3])
        #expect(Set([first.lastPosition, second.lastPosition]) == [2, 3])
        #expect(try await log.read(after: 0, limit: 10).count == 3)
        await log.close()
    }

    @Test func concurrentAppendersAllCommitWithContiguousPositions() async throws {
        let log = try await SQLiteEventLog.open(path: directory.path("log.db"))
        let positions = try await withThrowingTaskGroup(of: Int64.self) { group in
            for index in 0..<200 {
                group.addTask {
                    try await log.append(
                        [event("m", #"{"i":\#(index)}"#)], to: "stream-\(index % 7)", expectedVersion: .any,
                        metadata: .init()
                    ).lastPosition
                }
            }
            return try await group.reduce(into: [Int64]()) { $0.append($1) }
        }
        #expect(positions.sorted() == Array(1...200))
        await log.close()
    }

    @Test func theTableRefusesUpdatesAndDeletes() async throws {
        let path = directory.path("log.db")
        let log = try await SQLiteEventLog.open(path: path)
        _ = try await log.append([event("a", "{}")], to: "s", expectedVersion: .any, metadata: .init())
        await log.close()
        let connection = try SQLiteConnection(path: path)
        #expect(throws: SQLiteError.self) { try connection.execute("UPDATE events SET data = '{\"x\":1}'") }
        #expect(throws: SQLiteError.self) { try connection.execute("DELETE FROM events") }
        #expect(try connection.scalarInt64("SELECT count(*) FROM events") == 1)
    }

    @Test func committedEventsSurviveReopening() async throws {
        let path = directory.path("log.db")
        let log = try await SQLiteEventLog.open(path: path)
        _ = try await log.append(
            [event("a", "{}"), event("b", "{}")], to: "s", expectedVersion: .any, metadata: .init())
        await log.close()
        let reopened = try await SQLiteEventLog.open(path: path)
        #expect(try await reopened.headPosition() == 2)
        let next = try await reopened.append([event("c", "{}")], to: "s", expectedVersion: .exact(2), metadata: .init())
        #expect(next.lastPosition == 3)
        let events = try await reopened.read(after: 0, limit: 10)
        #expect(events[2].hash == EventHash.expected(for: events[2], previous: events[1].hash))
        await reopened.close()
    }

    @Test func aFileThatIsNotAChatLogIsRefused() async throws {
        let path = directory.path("other.db")
        try SQLiteConnection(path: path).execute("CREATE TABLE notes (text TEXT)")
        await #expect {
            _ = try await SQLiteEventLog.open(path: path)
        } throws: { error in
            guard case EventStoreError.incompatibleDatabase = error else { return false }
            return true
        }
    }

    @Test func aDatabaseFromAFutureSchemaIsRefused() async throws {
        let path = directory.path("future.db")
        await SQLiteEventLogTests.closeAfterOpening(path)
        try SQLiteConnection(path: path).execute("PRAGMA user_version = 99")
        await #expect(throws: EventStoreError.self) { _ = try await SQLiteEventLog.open(path: path) }
    }

    @Test func openingAMissingFileWithoutCreateFails() async throws {
        await #expect(throws: EventStoreError.self) {
            _ = try await SQLiteEventLog.open(path: directory.path("missing.db"), create: false)
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path("missing.db")))
    }

    @Test func aProjectionRefusalRollsBackOnlyThatAppend() async throws {
        let log = try await SQLiteEventLog.open(path: directory.path("log.db"), projection: RefusingProjection())
        await #expect {
            _ = try await log.append(
                [event("ok", "{}"), event("refused", "{}")], to: "s", expectedVersion: .any, metadata: .init())
        } throws: { error in
            guard case EventStoreError.rejectedByProjection = error else { return false }
            return true
        }
        let accepted = try await log.append([event("ok", "{}")], to: "s", expectedVersion: .noStream, metadata: .init())
        #expect(accepted.lastPosition == 1)
        await log.close()
    }

    @Test func aSubscriptionDeliversHistoryThenLiveEventsWithoutGapOrDuplicate() async throws {
        // A tiny in-memory window forces the subscriber through the disk path as well.
        let log = try await SQLiteEventLog.open(path: directory.path("log.db"), configuration: .init(tailCapacity: 4))
        for index in 1...10 {
            _ = try await log.append(
                [event("e", #"{"i":\#(index)}"#)], to: "s", expectedVersion: .any, metadata: .init())
        }
        let received = Task {
            var positions = [Int64]()
            for try await recorded in log.subscribe(after: 3) {
                positions.append(recorded.position)
                if recorded.position == 60 { break }
            }
            return positions
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<5 {
                group.addTask {
                    for _ in 0..<10 {
                        _ = try await log.append(
                            [event("e", "{}")], to: "w\(writer)", expectedVersion: .any, metadata: .init())
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await received.value == Array(4...60))
        await log.close()
    }

    @Test func closingTheLogEndsSubscriptions() async throws {
        let log = try await SQLiteEventLog.open(path: directory.path("log.db"))
        let subscriber = Task {
            var count = 0
            for try await _ in log.subscribe(after: 0) { count += 1 }
            return count
        }
        _ = try await log.append([event("e", "{}")], to: "s", expectedVersion: .any, metadata: .init())
        await log.close()
        let count = try await subscriber.value
        #expect(count <= 1)
        await #expect(throws: EventStoreError.self) {
            _ = try await log.append([event("e", "{}")], to: "s", expectedVersion: .any, metadata: .init())
        }
    }

    static func closeAfterOpening(_ path: String) async {
        let log = try? await SQLiteEventLog.open(path: path)
        await log?.close()
    }
}

/// Refuses any event of type `refused`, like a uniqueness rule would.
struct RefusingProjection: InlineProjection {
    struct Refused: Error {}
    func prepareSchema(on connection: SQLiteConnection) throws {}
    func checkpoint(on connection: SQLiteConnection) throws -> Int64 { Int64.max }
    func apply(_ events: [RecordedEvent], on connection: SQLiteConnection) throws {
        if events.contains(where: { $0.type == "refused" }) { throw Refused() }
    }
}

/// Batch sizes reported by the writer, readable from the test.
final class BatchSizes: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [Int] = []
    func record(_ statistics: CommitStatistics) { lock.withLock { recorded.append(statistics.appends) } }
    var sizes: [Int] { lock.withLock { recorded } }
    var count: Int { sizes.count }
}
