import ChatTestSupport
import Foundation
import Testing

@testable import EventStore

/// Under a steady stream of commits the WAL must still start over, or it grows without bound.
@Suite(.timeLimit(.minutes(1))) struct WALBoundTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory() }

    @Test func theWALStaysBoundedWhileAppendsNeverPause() async throws {
        let path = directory.path("log.db")
        let thresholdPages = 64
        let log = try await SQLiteEventLog.open(
            path: path, configuration: .init(readerCount: 1, checkpointThresholdPages: thresholdPages))
        let payload = #"{"text":""# + String(repeating: "x", count: 1_000) + #""}"#
        // Eight appenders that never pause, so a commit is always under way while the
        // background checkpoint copies.
        let appenders = 8
        let appendsEach = 400
        try await withThrowingTaskGroup(of: Void.self) { group in
            for appender in 0..<appenders {
                group.addTask {
                    for _ in 0..<appendsEach {
                        _ = try await log.append(
                            [event("e", payload)], to: "stream-\(appender)", expectedVersion: .any, metadata: .init())
                    }
                }
            }
            try await group.waitForAll()
        }
        // Measured while the log is open: closing the last connection removes the WAL.
        let walBytes = (try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        await log.close()
        let appendedBytes = appenders * appendsEach * payload.utf8.count
        // The WAL is reused from its start once copied: a few thresholds' worth of frames,
        // not every page written since the log was opened (several times the payload).
        #expect(walBytes < 8 * thresholdPages * 4_120)
        #expect(walBytes < appendedBytes / 2)
    }
}
