import ChatTestSupport
import Foundation
import Testing

@testable import EventStore

/// Another writer of the same file — a second process, or a second connection, which SQLite
/// treats alike — must never crash a log that serves it, nor fork its chain.
@Suite(.timeLimit(.minutes(1)))
struct SharedFileTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory() }

    @Test func eventsAppendedByAnotherWriterReachSubscribersInOrder() async throws {
        let path = directory.path("log.db")
        let served = try await SQLiteEventLog.open(path: path)
        let other = try await SQLiteEventLog.open(path: path)
        _ = try await served.append(
            [event("e", #"{"by":"served"}"#)], to: "s", expectedVersion: .any, metadata: .init())
        let subscriber = Task {
            var seen = [(Int64, String)]()
            for try await recorded in served.subscribe(after: 0) {
                seen.append((recorded.position, String(decoding: recorded.data, as: UTF8.self)))
                if recorded.position >= 4 { break }
            }
            return seen
        }
        // Two positions the served log never published, then one of its own after them.
        _ = try await other.append(
            [event("e", #"{"by":"other"}"#), event("e", #"{"by":"other"}"#)], to: "t", expectedVersion: .any,
            metadata: .init())
        let own = try await served.append(
            [event("e", #"{"by":"served"}"#)], to: "s", expectedVersion: .any, metadata: .init())
        #expect(own.events.map(\.position) == [4], "the writer continues after the other writer's events")

        let seen = try await subscriber.value
        #expect(seen.map(\.0) == [1, 2, 3, 4])
        #expect(seen.map(\.1) == [#"{"by":"served"}"#, #"{"by":"other"}"#, #"{"by":"other"}"#, #"{"by":"served"}"#])
        #expect(
            try HashChainVerifier.verify(on: EventLogFile.openExisting(path: path, readOnly: true)) == 4, "one chain")
        await other.close()
        await served.close()
    }

    @Test func aTailWithAGapSendsReadersBehindItToTheLog() {
        let tail = CommittedEventTail(head: 0, capacity: 8)
        tail.publish([recorded(1), recorded(2)])
        tail.publish([recorded(5), recorded(6)])
        guard case .behind = tail.read(after: 2, limit: 10) else {
            Issue.record("positions 3 and 4 are not held: the reader must go to the log")
            return
        }
        guard case .events(let events) = tail.read(after: 4, limit: 10) else {
            Issue.record("5 and 6 are held")
            return
        }
        #expect(events.map(\.position) == [5, 6])
        guard case .upToDate = tail.read(after: 6, limit: 10) else {
            Issue.record("nothing after 6")
            return
        }
    }

    @Test func openersOfABrandNewFileAtTheSameMomentAllSucceed() async throws {
        for attempt in 0..<20 {
            let path = directory.path("new-\(attempt).db")
            let logs = try await withThrowingTaskGroup(of: SQLiteEventLog.self) { group in
                for _ in 0..<6 { group.addTask { try await SQLiteEventLog.open(path: path) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(logs.count == 6)
            _ = try await logs[0].append([event("e", "{}")], to: "s", expectedVersion: .any, metadata: .init())
            for log in logs { await log.close() }
        }
    }

    private func recorded(_ position: Int64) -> RecordedEvent {
        RecordedEvent(
            position: position, streamID: "s", streamVersion: position, type: "e", schemaVersion: 1,
            data: Array("{}".utf8),
            metadata: Array("{}".utf8), recordedAt: 0, hash: [])
    }
}
