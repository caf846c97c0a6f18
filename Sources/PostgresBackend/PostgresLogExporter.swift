import EventStore
public import Foundation
import Keyring
public import Logging

/// `replay export` from PostgreSQL: every event as one NDJSON line (the format both backends
/// import), and on request the keys of the users not erased.
public enum PostgresLogExporter {
    /// - Returns: the number of events written, and the keys-file lines when `keyFile` is given.
    public static func export(
        from url: PostgresURL, to output: FileHandle, keyFile: String?, batchSize: Int = 10_000,
        logger: Logger = Logger(label: "chat.postgres")
    ) async throws -> (events: Int64, keys: [UInt8]?) {
        let log = try await PostgresEventLog.open(url: url, logger: logger)
        do {
            var position: Int64 = 0
            var count: Int64 = 0
            while true {
                let events = try await log.read(after: position, limit: batchSize)
                guard let last = events.last else { break }
                try output.write(contentsOf: EventLogExchange.lines(events))
                position = last.position
                count += Int64(events.count)
            }
            var keys: [UInt8]?
            if let keyFile {
                let (store, keyring) = try await PostgresUserKeyStore.keyring(
                    url: url, keyFile: keyFile, logger: logger)
                store.attach(log)
                keys = try await keyring.exportKeys()
            }
            await log.close()
            return (count, keys)
        } catch {
            await log.close()
            throw error
        }
    }
}
