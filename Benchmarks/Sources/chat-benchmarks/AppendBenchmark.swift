import CSQLite
import ChatDomain
import EventStore
import Foundation
import Projections

/// Group-committed appends (one message event plus its inline projection each) at several
/// concurrency levels, against the same rows inserted raw in big transactions.
struct AppendBenchmark {
    let rawBytesPerAppend = BatchCounter()
    let directory: String
    let runs: Int
    let appends: Int
    let concurrencies = [1, 8, 64, 512]
    let chat = SyntheticChat(userCount: 2_560, chatCount: 512)

    /// A fresh database with users and groups, read model built; its sealer.
    func prepareDatabase(_ path: String, sealing: Sealing = .keyring) async throws -> any TextSealer {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let sealer = try sealing.sealer(forDatabase: path)
        try chat.writeLog(path: path, messageCount: 0, sealer: sealer)
        let log = try await SQLiteEventLog.open(path: path, projection: Sealing.projection(for: sealer))
        await log.close()
        return sealer
    }

    /// Appends per second with `appenders` concurrent tasks, each sealing its message as the
    /// server does.
    func appendRate(appenders: Int, total: Int, sealing: Sealing = .keyring) async throws -> (
        rate: Double, meanBatch: Double, bytesPerAppend: Double
    ) {
        let path = directory + "/appends-\(appenders)-\(sealing.rawValue).db"
        let sealer = try await prepareDatabase(path, sealing: sealing)
        let batches = BatchCounter()
        let log = try await SQLiteEventLog.open(
            path: path, configuration: .init(batchObserver: { batches.record($0.appends) }),
            projection: Sealing.projection(for: sealer))
        let perAppender = max(1, total / appenders)
        let chats = chat.chats
        let writtenBefore = bytesWritten()
        let seconds = try await measureAsync {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for appender in 0..<appenders {
                    group.addTask {
                        let chatIndex = appender % chats.count
                        for message in 0..<perAppender {
                            let sender = chat.sender(of: chatIndex, message: message)
                            let event = try chat.messageEvent(
                                chat: chatIndex, id: IdentifierFactory.newMessageID(), sender: sender, sealer: sealer)
                            _ = try await log.append(
                                [event], to: StreamName.chat(chats[chatIndex]), expectedVersion: .any,
                                metadata: EventMetadata(
                                    actor: sender.rawValue, requestID: "\(message)", framing: "websocket"))
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        let written = bytesWritten() - writtenBefore
        await log.close()
        let count = Double(perAppender * appenders)
        return (count / seconds, batches.mean, Double(written) / count)
    }

    /// The same event and message rows through the C API, 10,000 per transaction.
    func rawRate(total: Int) async throws -> Double {
        let path = directory + "/appends-raw.db"
        let sealer = try await prepareDatabase(path)
        var events = [(stream: String, data: [UInt8], chat: Int, sender: UserID, id: String)]()
        for index in 0..<total {
            let chatIndex = index % chat.chatCount
            let sender = chat.sender(of: chatIndex, message: index)
            let id = IdentifierFactory.newMessageID()
            let event = try chat.messageEvent(chat: chatIndex, id: id, sender: sender, sealer: sealer)
            events.append((StreamName.chat(chat.chats[chatIndex]), event.data, chatIndex, sender, id.rawValue))
        }
        let raw = RawSQLite(path: path, synchronous: "FULL")
        let metadata = Array(#"{"actor":"u","framing":"websocket","request_id":"1"}"#.utf8)
        let hash = [UInt8](repeating: 7, count: 32)
        var position = raw.scalar("SELECT max(position) FROM events")
        let insertEvent = raw.prepare(
            "INSERT INTO events (position, stream_id, stream_version, type, schema_version, data, metadata, recorded_at, hash) VALUES (?, ?, ?, 'message_sent', 3, ?, ?, ?, ?)"
        )
        let insertMessage = raw.prepare(
            "INSERT INTO messages (position, message_id, chat_id, sender_id, content, sent_at) VALUES (?, ?, ?, ?, ?, ?)"
        )
        let writtenBefore = bytesWritten()
        let seconds = measure {
            raw.exec("BEGIN")
            for (index, event) in events.enumerated() {
                position += 1
                let version = Int64(index / chat.chatCount + 2)
                sqlite3_bind_int64(insertEvent, 1, position)
                bindText(insertEvent, 2, event.stream)
                sqlite3_bind_int64(insertEvent, 3, version)
                bindText(insertEvent, 4, event.data)
                bindText(insertEvent, 5, metadata)
                sqlite3_bind_int64(insertEvent, 6, 1_795_856_400_000)
                hash.withUnsafeBytes { _ = sqlite3_bind_blob(insertEvent, 7, $0.baseAddress, 32, transient) }
                raw.run(insertEvent)
                sqlite3_bind_int64(insertMessage, 1, position)
                bindText(insertMessage, 2, event.id)
                bindText(insertMessage, 3, chat.chats[event.chat].rawValue)
                bindText(insertMessage, 4, event.sender.rawValue)
                bindText(insertMessage, 5, SyntheticChat.content)
                bindText(insertMessage, 6, "2026-11-28T09:00:00.000Z")
                raw.run(insertMessage)
                if index % 10_000 == 9_999 { raw.exec("COMMIT; BEGIN") }
            }
            raw.exec("COMMIT")
        }
        for statement in [insertEvent, insertMessage] { sqlite3_finalize(statement) }
        rawBytesPerAppend.record(Int(bytesWritten() - writtenBefore) / total)
        return Double(total) / seconds
    }

    func run() async throws {
        print("## Group-committed appends (synchronous=FULL), \(runs) runs, median")
        var raws = [Double]()
        for _ in 0..<runs { raws.append(try await rawRate(total: appends)) }
        let raw = Statistics.median(raws)
        print(
            "raw C API, 10,000 rows per transaction: \(format(raw)) appends/s, \(format(rawBytesPerAppend.mean / 1024, 1)) KiB written per append (runs: \(raws.map { format($0) }.joined(separator: ", ")))"
        )
        var floor = 0.0
        print(
            "| appenders | appends/s (median) | mean appends per commit | KiB written per append | runs | vs raw | vs 1 appender |"
        )
        print("|---:|---:|---:|---:|---|---:|---:|")
        for appenders in concurrencies {
            // One appender commits one append per fsync: fewer appends keep the run short.
            let total = appenders == 1 ? max(200, appends / 20) : appends
            var rates = [Double]()
            var meanBatches = [Double]()
            var bytes = [Double]()
            for _ in 0..<runs {
                let result = try await appendRate(appenders: appenders, total: total)
                rates.append(result.rate)
                meanBatches.append(result.meanBatch)
                bytes.append(result.bytesPerAppend)
            }
            let median = Statistics.median(rates)
            if appenders == 1 { floor = median }
            print(
                "| \(appenders) | \(format(median)) | \(format(Statistics.median(meanBatches), 1)) | \(format(Statistics.median(bytes) / 1024, 1)) | \(rates.map { format($0) }.joined(separator: ", ")) | \(format(100 * median / raw, 1)) % | \(format(median / floor, 1))× |"
            )
        }
    }
}

/// Appends per transaction, as the log's batch observer reports them.
final class BatchCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var batches = 0
    private var appends = 0

    func record(_ size: Int) {
        lock.withLock {
            batches += 1
            appends += size
        }
    }
    var mean: Double { lock.withLock { batches == 0 ? 0 : Double(appends) / Double(batches) } }
    func reset() { lock.withLock { (batches, appends) = (0, 0) } }
}
