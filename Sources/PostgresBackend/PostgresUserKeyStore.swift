public import ChatDomain
import EventStore
import Foundation
public import Keyring
public import Logging
import NIOCore
import PostgresNIO

/// The `user_keys` table in PostgreSQL.
///
/// Keys are read ahead, in bulk (``Keyring/prefetchKeys(for:)``), never while an event is
/// decoded: that may happen on an event loop, which must not wait on the network. Queries run
/// on the log's pooled connections once ``attach(_:)`` names the log (the log's projection
/// needs the keyring before the log is open).
///
/// > Note: `@unchecked Sendable`: the log is guarded by `lock`.
public final class PostgresUserKeyStore: UserKeyStore, @unchecked Sendable {
    let url: PostgresURL
    let logger: Logger
    private let lock = NSLock()
    private var attachedLog: PostgresEventLog?

    public init(url: PostgresURL, logger: Logger) {
        self.url = url
        self.logger = logger
    }

    /// The keyring of the database at `url`, over a store there, with the master key in
    /// `keyFile` (created when the database has no keys yet). Reads the database on a
    /// connection of its own, before any log is open: its errors say why a server refused.
    public static func keyring(url: PostgresURL, keyFile: String, logger: Logger) async throws -> (
        store: PostgresUserKeyStore, keyring: Keyring
    ) {
        let store = PostgresUserKeyStore(url: url, logger: logger)
        return (store, try Keyring.open(keyPath: keyFile, store: store, someKey: try await store.anyKey()))
    }

    /// Makes queries go through `log`'s connections.
    public func attach(_ log: PostgresEventLog) {
        lock.withLock { attachedLog = log }
    }

    private var log: PostgresEventLog {
        get throws {
            guard let log = lock.withLock({ attachedLog }) else { throw EventStoreError.closed }
            return log
        }
    }

    public var looksUpSynchronously: Bool { false }

    public func wrappedKey(for user: UserID) throws -> [UInt8]? { nil }

    /// Any one key, to tell whether the database has keys (on a connection of its own: the
    /// log is not open yet); `nil` before the schema exists.
    public func anyKey() async throws -> (UserID, [UInt8])? {
        try await PostgresFailure.mapped { try await readAnyKey() }
    }

    private func readAnyKey() async throws -> (UserID, [UInt8])? {
        let connection = try await PostgresConnection.connect(
            configuration: url.connectionConfiguration(), id: 2, logger: logger)
        defer { Task { try? await connection.close() } }
        for try await exists in try await connection.query(
            "SELECT to_regclass('user_keys') IS NOT NULL", logger: logger
        ).decode(Bool.self) where !exists {
            return nil
        }
        for try await (user, wrapped) in try await connection.query(
            "SELECT user_id, wrapped_key FROM user_keys LIMIT 1", logger: logger
        ).decode((String, ByteBuffer).self) {
            return (UserID(user), Array(wrapped.readableBytesView))
        }
        return nil
    }

    public func wrappedKeys(for users: [UserID]) async throws -> [(UserID, [UInt8])] {
        let ids = users.map(\.rawValue)
        return try await log.storage { [logger] db in
            try await Self.keys(
                db.query("SELECT user_id, wrapped_key FROM user_keys WHERE user_id = ANY(\(ids))", logger: logger))
        }
    }

    public func storeKey(_ wrapped: [UInt8], for user: UserID) async throws -> [UInt8]? {
        try await log.storage { [logger] db in
            // ON CONFLICT DO NOTHING: a key already there wins; read back what is stored.
            var first: [UInt8]?
            for try await stored in try await db.query(
                """
                WITH inserted AS (
                    INSERT INTO user_keys (user_id, wrapped_key) VALUES (\(user.rawValue), \(ByteBuffer(bytes: wrapped)))
                    ON CONFLICT DO NOTHING RETURNING wrapped_key)
                SELECT wrapped_key FROM inserted UNION ALL SELECT wrapped_key FROM user_keys WHERE user_id = \(user.rawValue)
                """, logger: logger
            ).decode(ByteBuffer.self) where first == nil {
                first = Array(stored.readableBytesView)
            }
            // Read to the end, where the insert's failure would arrive.
            return first
        }
    }

    public func deleteKey(for user: UserID) async throws {
        try await log.storage { [logger] db in
            _ = try await db.query("DELETE FROM user_keys WHERE user_id = \(user.rawValue)", logger: logger)
        }
    }

    public func allKeys() async throws -> [(UserID, [UInt8])] {
        try await log.storage { [logger] db in
            try await Self.keys(
                db.query("SELECT user_id, wrapped_key FROM user_keys ORDER BY user_id COLLATE \"C\"", logger: logger))
        }
    }

    /// Rows of `(user_id, wrapped_key)`.
    static func keys(_ rows: PostgresRowSequence) async throws -> [(UserID, [UInt8])] {
        var keys = [(UserID, [UInt8])]()
        for try await (user, wrapped) in rows.decode((String, ByteBuffer).self) {
            keys.append((UserID(user), Array(wrapped.readableBytesView)))
        }
        return keys
    }
}
