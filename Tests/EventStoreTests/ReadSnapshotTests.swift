import ChatTestSupport
import Foundation
import Testing

@testable import EventStore

/// A query that stops at its first row must not leave its reader on an old snapshot.
@Suite(.timeLimit(.minutes(1))) struct ReadSnapshotTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory() }

    /// Leaves a cached SELECT stepped to its first row, as single-row lookups do.
    private func firstPosition(_ log: SQLiteEventLog) async throws -> Int64 {
        try await log.withReader { db in
            let statement = try db.cachedStatement("SELECT position FROM events ORDER BY position")
            _ = try statement.step()
            return statement.int64(0)
        }
    }

    @Test func aReaderSeesCommitsMadeAfterAQueryThatStoppedMidResult() async throws {
        let log = try await SQLiteEventLog.open(
            path: directory.path("log.db"), configuration: .init(readerCount: 1))
        _ = try await log.append(
            [event("a", "{}"), event("b", "{}")], to: "s", expectedVersion: .any, metadata: .init())
        #expect(try await firstPosition(log) == 1)
        _ = try await log.append([event("c", "{}")], to: "s", expectedVersion: .any, metadata: .init())
        let count = try await log.withReader { try $0.scalarInt64("SELECT count(*) FROM events") }
        #expect(count == 3)
        await log.close()
    }

    @Test func theWALIsCheckpointedWhileReadersRunSingleRowQueries() async throws {
        let path = directory.path("log.db")
        let log = try await SQLiteEventLog.open(
            path: path, configuration: .init(readerCount: 1, checkpointThresholdPages: 16))
        let initialSize = try fileSize(path)
        let payload = #"{"text":""# + String(repeating: "x", count: 2_000) + #""}"#
        for round in 0..<50 {
            _ = try await log.append(
                [event("e", payload), event("e", payload)], to: "s\(round)", expectedVersion: .any, metadata: .init())
            _ = try await firstPosition(log)
        }
        // 200 KB of events went through a 16-page WAL: the checkpointer must have copied
        // them into the database file.
        try await waitUntil { ((try? fileSize(path)) ?? 0) > initialSize + 100_000 }
        await log.close()
    }

    private func fileSize(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }
}
