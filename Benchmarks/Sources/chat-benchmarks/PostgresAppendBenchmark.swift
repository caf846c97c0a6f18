import ChatDomain
import EventStore
import Foundation
import Keyring
import Logging
import PostgresBackend
import PostgresNIO
import Projections

/// Group-committed appends to the PostgreSQL log (one sealed message event plus its inline
/// projection row each, as the gateway appends them) at several concurrency levels, beside
/// the same event and message rows inserted raw: `INSERT … SELECT FROM unnest(…)`, 1,000
/// rows per transaction, on one connection.
struct PostgresAppendBenchmark {
    let url: PostgresURL
    let runs: Int
    let appends: Int
    /// One appender alone waits a whole transaction per append: too slow to be worth the minutes.
    let concurrencies = [8, 64, 512]
    let chat = SyntheticChat(userCount: 2_560, chatCount: 512)
    let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Sequential `SELECT 1` round trips on one connection: the floor under every statement
    /// the log's transaction makes.
    func roundTrip() async throws -> Duration {
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: url.host, port: url.port, username: url.username, password: url.password,
                database: url.database, tls: .disable),
            id: 1, logger: logger)
        let count = 2_000
        let start = ContinuousClock.now
        for _ in 0..<count {
            for try await _ in try await connection.query("SELECT 1", logger: logger).decode(Int32.self) {}
        }
        let elapsed = (ContinuousClock.now - start) / count
        try await connection.close()
        return elapsed
    }

    func run() async throws {
        print("round trip: \(try await roundTrip())")
        print("## PostgreSQL appends (\(appends) per run, median of \(runs)), \(url.redacted)")
        print("| appenders | appends/s | mean batch | raw unnest rows/s | ratio |")
        print("|---:|---:|---:|---:|---:|")
        for appenders in concurrencies {
            var rates = [Double]()
            var batches = [Double]()
            var raws = [Double]()
            for _ in 0..<runs {
                // Interleaved: the machine's state drifts between runs.
                let measured = try await appendRate(appenders: appenders)
                rates.append(measured.rate)
                batches.append(measured.meanBatch)
                raws.append(try await rawRate())
            }
            let rate = median(rates)
            let raw = median(raws)
            print(
                "| \(appenders) | \(Int(rate)) | \(String(format: "%.1f", median(batches))) | \(Int(raw)) | \(String(format: "%.2f", rate / raw)) |"
            )
        }
    }

    /// Empties the database: the benchmark's schema is the gateway's.
    private func reset() async throws {
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: url.host, port: url.port, username: url.username, password: url.password,
                database: url.database, tls: .disable),
            id: 1, logger: logger)
        _ = try? await connection.query(
            """
            DROP TABLE IF EXISTS chat_schema, events, event_log_head, users, sessions, chats, members, messages,
                read_watermarks, client_message_ids, projection_checkpoints, user_keys
            """, logger: logger)
        try await connection.close()
    }

    private func appendRate(appenders: Int) async throws -> (rate: Double, meanBatch: Double) {
        try await reset()
        let keyFile = NSTemporaryDirectory() + "chat-bench-pg-\(UUID().uuidString).key"
        defer { try? FileManager.default.removeItem(atPath: keyFile) }
        let counter = BatchCounter()
        let storage = try await ChatStorage.postgres(
            url: url, keyFile: keyFile, configuration: .init(batchObserver: { counter.record($0.appends) }),
            logger: logger)
        // Each sender has a key, as after registration; the setup is not measured.
        for user in Set(chat.users) { try await storage.keyring.createKey(for: user) }
        let log = storage.log
        let keyring = storage.keyring
        let perAppender = max(1, appends / appenders)
        let chats = chat.chats
        counter.reset()
        let seconds = try await measureAsync {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for appender in 0..<appenders {
                    group.addTask {
                        let chatIndex = appender % chats.count
                        for message in 0..<perAppender {
                            let sender = chat.sender(of: chatIndex, message: message)
                            let event = try chat.messageEvent(
                                chat: chatIndex, id: IdentifierFactory.newMessageID(), sender: sender, sealer: keyring)
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
        await storage.close()
        return (Double(perAppender * appenders) / seconds, counter.mean)
    }

    /// The same rows — an event and a message each — through `unnest`, 1,000 per transaction.
    private func rawRate() async throws -> Double {
        try await reset()
        let keyFile = NSTemporaryDirectory() + "chat-bench-pg-\(UUID().uuidString).key"
        defer { try? FileManager.default.removeItem(atPath: keyFile) }
        // The gateway's schema, then closed: the rows go in through a connection of their own.
        let storage = try await ChatStorage.postgres(url: url, keyFile: keyFile, logger: logger)
        for user in Set(chat.users) { try await storage.keyring.createKey(for: user) }
        var rows = [(stream: String, data: ByteBuffer, chat: String, sender: String, id: String)]()
        for index in 0..<appends {
            let chatIndex = index % chat.chatCount
            let sender = chat.sender(of: chatIndex, message: index)
            let id = IdentifierFactory.newMessageID()
            let event = try chat.messageEvent(chat: chatIndex, id: id, sender: sender, sealer: storage.keyring)
            rows.append(
                (
                    StreamName.chat(chat.chats[chatIndex]), ByteBuffer(bytes: event.data),
                    chat.chats[chatIndex].rawValue,
                    sender.rawValue, id.rawValue
                ))
        }
        await storage.close()
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: url.host, port: url.port, username: url.username, password: url.password,
                database: url.database, tls: .disable),
            id: 1, logger: logger)
        let metadata = ByteBuffer(bytes: Array(#"{"actor":"u","framing":"websocket","request_id":"1"}"#.utf8))
        let hash = ByteBuffer(bytes: [UInt8](repeating: 7, count: 32))
        let seconds = try await measureAsync {
            var start = 0
            while start < rows.count {
                let slice = rows[start..<min(start + 1_000, rows.count)]
                let positions = slice.indices.map { Int64($0 + 1) }
                try await connection.query("BEGIN", logger: logger)
                try await connection.query(
                    """
                    WITH e AS (
                        INSERT INTO events (position, stream_id, stream_version, type, schema_version, data, metadata, recorded_at, hash)
                        SELECT p, s, p, 'message_sent', 3, d, \(metadata), 0, \(hash)
                        FROM unnest(\(positions)::int8[], \(slice.map(\.stream))::text[], \(slice.map(\.data))::bytea[]) AS r (p, s, d))
                    INSERT INTO messages (position, message_id, chat_id, sender_id, content, sent_at)
                    SELECT p, m, c, u, 'hello', '2026-12-01T00:00:00.000Z'
                    FROM unnest(\(positions)::int8[], \(slice.map(\.id))::text[], \(slice.map(\.chat))::text[],
                        \(slice.map(\.sender))::text[]) AS r (p, m, c, u)
                    """, logger: logger)
                try await connection.query("COMMIT", logger: logger)
                start += 1_000
            }
        }
        try await connection.close()
        return Double(rows.count) / seconds
    }

    private func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
}
