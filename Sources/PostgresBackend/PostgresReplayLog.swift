public import EventStore
public import Keyring
public import Logging
import PostgresNIO

/// A chat log in PostgreSQL opened for `replay history`: nothing is created (a database
/// without a chat log is refused), and each batch read comes with its authors' keys read
/// ahead, so that its sealed text opens without a lookup while it is decoded.
public final class PostgresReplayLog: Sendable {
    public let log: PostgresEventLog
    public let keyring: Keyring

    private init(log: PostgresEventLog, keyring: Keyring) {
        self.log = log
        self.keyring = keyring
    }

    /// - Parameter keyFile: the master key file the gateways share.
    public static func open(url: PostgresURL, keyFile: String, logger: Logger = Logger(label: "chat.postgres"))
        async throws -> PostgresReplayLog
    {
        // The keys first: the pool's errors do not say why the server refused (a missing
        // database, a wrong password), the key store's connection's do.
        let (store, keyring) = try await PostgresUserKeyStore.keyring(url: url, keyFile: keyFile, logger: logger)
        let log = try await PostgresEventLog.open(url: url, create: false, logger: logger)
        store.attach(log)
        return PostgresReplayLog(log: log, keyring: keyring)
    }

    /// Up to `limit` events after `position`, in order.
    public func read(after position: Int64, limit: Int) async throws -> [RecordedEvent] {
        let events = try await log.read(after: position, limit: limit)
        try await keyring.prefetchKeys(for: events)
        return events
    }

    /// Every event of the given types, in log order.
    public func events(ofTypes types: [String]) async throws -> [RecordedEvent] {
        let events = try await log.storage { [logger = log.logger] connection in
            try await EventRows.decode(
                connection.query(
                    "SELECT \(unescaped: EventRows.columns) FROM events WHERE type = ANY(\(types)) ORDER BY position",
                    logger: logger))
        }
        try await keyring.prefetchKeys(for: events)
        return events
    }

    public func close() async { await log.close() }
}
