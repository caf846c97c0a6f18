import ChatTestSupport
import Foundation
import Testing

@testable import EventStore

/// A crash can leave the WAL's last transaction torn (cut short, or with garbage where its
/// pages should be) or leave the first bytes of a transaction that never committed. On the
/// next open, SQLite's recovery keeps the frames up to the last commit whose checksums hold:
/// the log must open, keep every earlier event with its hash chain intact, and go on
/// appending after them.
@Suite(.timeLimit(.minutes(1))) struct WALTailTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory() }

    static let transactions = 20

    /// The database and WAL as a crash after `transactions` single-event commits leaves them
    /// (copied while the log is open; no checkpoint has run).
    private func crashImage() async throws -> String {
        let live = directory.path("live.db")
        let log = try await SQLiteEventLog.open(path: live, configuration: .init(checkpointThresholdPages: 1_000_000))
        for number in 1...Self.transactions {
            _ = try await log.append(
                [event("e", #"{"n":\#(number)}"#)], to: "s", expectedVersion: .any, metadata: .init())
        }
        let image = directory.path("image.db")
        try FileManager.default.copyItem(atPath: live, toPath: image)
        try FileManager.default.copyItem(atPath: live + "-wal", toPath: image + "-wal")
        await log.close()
        return image
    }

    /// Opens `path`, checks the chain and positions `1...expected`, and appends once more.
    private func expectIntact(_ path: String, events expected: Int) async throws {
        let log = try await SQLiteEventLog.open(path: path)
        let events = try await log.read(after: 0, limit: 1_000)
        #expect(events.map(\.position) == (1...Int64(expected)).map { $0 })
        var chain = HashChainVerifier()
        for recorded in events { try chain.check(recorded) }
        let next = try await log.append([event("after", "{}")], to: "s", expectedVersion: .any, metadata: .init())
        #expect(next.events.map(\.position) == [Int64(expected) + 1])
        await log.close()

        let reopened = try EventLogFile.openExisting(path: path, readOnly: true)
        #expect(try HashChainVerifier.verify(on: reopened) == Int64(expected) + 1)
    }

    @Test func aWALCutInsideItsLastFrameLosesOnlyThatTransaction() async throws {
        let image = try await crashImage()
        let wal = try FileHandle(forWritingTo: URL(fileURLWithPath: image + "-wal"))
        let size = try wal.seekToEnd()
        try wal.truncate(atOffset: size - 100)
        try wal.close()
        try await expectIntact(image, events: Self.transactions - 1)
    }

    @Test func garbageInTheLastFrameLosesOnlyThatTransaction() async throws {
        let image = try await crashImage()
        let wal = try FileHandle(forUpdating: URL(fileURLWithPath: image + "-wal"))
        let size = try wal.seekToEnd()
        try wal.seek(toOffset: size - 2_000)
        try wal.write(contentsOf: Data(repeating: 0xA5, count: 64))
        try wal.close()
        try await expectIntact(image, events: Self.transactions - 1)
    }

    @Test func theStartOfATransactionThatNeverCommittedIsIgnored() async throws {
        let image = try await crashImage()
        let wal = try FileHandle(forUpdating: URL(fileURLWithPath: image + "-wal"))
        try wal.seekToEnd()
        // Half a frame: a 24-byte frame header and part of a page, of no valid transaction.
        try wal.write(contentsOf: Data((0..<2_500).map { UInt8(truncatingIfNeeded: $0 &* 31) }))
        try wal.close()
        try await expectIntact(image, events: Self.transactions)
    }
}
