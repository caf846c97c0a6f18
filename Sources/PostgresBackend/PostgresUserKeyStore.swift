public import ChatDomain
import EventStore
import Foundation
public import Keyring
public import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// The `user_keys` table in PostgreSQL.
///
/// Writes run on the log's pooled connections, once ``attach(_:)`` names the log (the log's
/// projection needs the keyring before the log is open). A lookup is synchronous (text is opened while
/// events are decoded): it runs on a connection of its own and waits for its future, which
/// completes on that connection's event loop, never on the waiting thread. The keyring caches
/// what it reads, so lookups happen once per user and process.
///
/// > Note: `@unchecked Sendable`: the lookup connection and the log are guarded by `lock`.
public final class PostgresUserKeyStore: UserKeyStore, @unchecked Sendable {
    let url: PostgresURL
    let logger: Logger
    private let lock = NSLock()
    private var lookup: PostgresConnection?
    private var attachedLog: PostgresEventLog?

    public init(url: PostgresURL, logger: Logger) {
        self.url = url
        self.logger = logger
    }

    /// Makes writes go through `log`'s connections.
    public func attach(_ log: PostgresEventLog) {
        lock.withLock { attachedLog = log }
    }

    private var log: PostgresEventLog {
        get throws {
            guard let log = lock.withLock({ attachedLog }) else { throw EventStoreError.closed }
            return log
        }
    }

    /// Any one key, to tell whether the database has keys; `nil` before the schema exists.
    public func anyKey() throws -> (UserID, [UInt8])? {
        try lock.withLock {
            let connection = try lookupConnection()
            let table = try connection.query("SELECT to_regclass('user_keys') IS NOT NULL").wait()
            guard let exists = table.rows.first, try exists.decode(Bool.self) else { return nil }
            let result = try connection.query("SELECT user_id, wrapped_key FROM user_keys LIMIT 1").wait()
            guard let row = result.rows.first else { return nil }
            let (user, wrapped) = try row.decode((String, ByteBuffer).self)
            return (UserID(user), Array(wrapped.readableBytesView))
        }
    }

    public func wrappedKey(for user: UserID) throws -> [UInt8]? {
        try lock.withLock {
            do {
                return try lookUp(user)
            } catch {
                // A connection lost (the server restarted): one more try on a new one.
                lookup = nil
                return try lookUp(user)
            }
        }
    }

    private func lookupConnection() throws -> PostgresConnection {
        if let lookup { return lookup }
        let connection = try PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(), configuration: url.connectionConfiguration(), id: 2,
            logger: logger
        ).wait()
        lookup = connection
        return connection
    }

    private func lookUp(_ user: UserID) throws -> [UInt8]? {
        let result = try lookupConnection().query(
            "SELECT wrapped_key FROM user_keys WHERE user_id = $1", [PostgresData(string: user.rawValue)]
        ).wait()
        guard let row = result.rows.first else { return nil }
        return Array(try row.decode(ByteBuffer.self).readableBytesView)
    }

    public func storeKey(_ wrapped: [UInt8], for user: UserID) async throws -> [UInt8]? {
        try await log.storage { [logger] db in
            // ON CONFLICT DO NOTHING: a key already there wins; read back what is stored.
            for try await stored in try await db.query(
                """
                WITH inserted AS (
                    INSERT INTO user_keys (user_id, wrapped_key) VALUES (\(user.rawValue), \(ByteBuffer(bytes: wrapped)))
                    ON CONFLICT DO NOTHING RETURNING wrapped_key)
                SELECT wrapped_key FROM inserted UNION ALL SELECT wrapped_key FROM user_keys WHERE user_id = \(user.rawValue)
                """, logger: logger
            ).decode(ByteBuffer.self) {
                return Array(stored.readableBytesView)
            }
            return nil
        }
    }

    public func deleteKey(for user: UserID) async throws {
        try await log.storage { [logger] db in
            _ = try await db.query("DELETE FROM user_keys WHERE user_id = \(user.rawValue)", logger: logger)
        }
    }

    public func allKeys() async throws -> [(UserID, [UInt8])] {
        try await log.storage { [logger] db in
            var keys = [(UserID, [UInt8])]()
            for try await (user, wrapped) in try await db.query(
                "SELECT user_id, wrapped_key FROM user_keys ORDER BY user_id COLLATE \"C\"", logger: logger
            ).decode((String, ByteBuffer).self) {
                keys.append((UserID(user), Array(wrapped.readableBytesView)))
            }
            return keys
        }
    }

    /// Closes the lookup connection.
    public func close() {
        let connection: PostgresConnection? = lock.withLock {
            defer { lookup = nil }
            return lookup
        }
        try? connection?.close().wait()
    }
}
