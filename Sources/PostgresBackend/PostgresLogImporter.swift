import ChatDomain
import EventStore
import Foundation
import Keyring
public import Logging
import PostgresNIO

/// `replay import` into PostgreSQL: an NDJSON export (from either backend) into a database
/// whose log is empty, then its read model built.
///
/// The events and the keys go in one transaction under the head lock: an import that fails
/// or is interrupted leaves the database as it was. The read model is then built the way a
/// gateway catches up on open, so a gateway started meanwhile finishes it.
public enum PostgresLogImporter {
    /// Why an import into PostgreSQL was refused.
    public struct DestinationNotEmpty: Error, CustomStringConvertible {
        public var url: String
        public var description: String { "\(url) already holds events; import only fills an empty log" }
    }

    /// - Parameters:
    ///   - keyFile: the database's master key file (created if missing; every gateway needs it).
    ///   - keysIn: an exported keys file; without it, sealed text reads as erased.
    /// - Returns: the number of events imported.
    public static func importLog(
        from input: String, to url: PostgresURL, keyFile: String, keysIn: String? = nil, batchSize: Int = 5_000,
        logger: Logger = Logger(label: "chat.postgres"), progress: @escaping @Sendable (Int64) -> Void = { _ in }
    ) async throws -> Int64 {
        let keyring = try await PostgresUserKeyStore.keyring(url: url, keyFile: keyFile, logger: logger).keyring
        let keys = try keysIn.map { try keyring.wrappedKeys(fromKeysFile: String(contentsOfFile: $0, encoding: .utf8)) }
        _ = try ExportReader(path: input)  // a missing or unreadable input fails before connecting
        let bare = try await PostgresEventLog.open(url: url, logger: logger)
        let count: Int64
        do {
            count = try await bare.storage { connection in
                try await fill(
                    connection, from: try ExportReader(path: input), keys: keys ?? [], url: url, batchSize: batchSize,
                    logger: logger,
                    progress: progress)
            }
        } catch {
            await bare.close()
            throw error
        }
        await bare.close()
        // Opening with the projection builds the read model from the log.
        let projected = try await PostgresEventLog.open(
            url: url, projection: PostgresChatProjection(keyring: keyring), logger: logger)
        await projected.close()
        return count
    }

    private static func fill(
        _ connection: PostgresConnection, from reader: ExportReader, keys: [(UserID, [UInt8])], url: PostgresURL,
        batchSize: Int, logger: Logger, progress: (Int64) -> Void
    ) async throws -> Int64 {
        var reader = reader
        return try await connection.transaction(logger: logger) {
            let head = try await connection.firstInt64(
                "SELECT last_position FROM event_log_head WHERE id = 1 FOR UPDATE", logger: logger)
            guard head == 0 else { throw DestinationNotEmpty(url: url.redacted) }
            while true {
                let batch = try reader.nextBatch(limit: batchSize)
                guard !batch.isEmpty else { break }
                try await EventRows.append(batch, on: connection, logger: logger)
                progress(reader.lastPosition)
            }
            for (user, wrapped) in keys {
                try await connection.run(
                    "INSERT INTO user_keys (user_id, wrapped_key) VALUES (\(user.rawValue), \(ByteBuffer(bytes: wrapped))) ON CONFLICT DO NOTHING",
                    logger: logger)
            }
            return reader.lastPosition
        }
    }
}
