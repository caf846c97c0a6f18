public import ChatDomain
public import EventStore
import Foundation

/// The `user_keys` table of a SQLite database.
///
/// Lookups use a read-only connection of their own. Writes go through the log's writer
/// once ``writeThrough(_:)`` names it (the gateway), so that they never contend with group
/// commit for the file's write lock; before that (the tools), through a connection of their own.
///
/// > Note: `@unchecked Sendable`: the connections and the log are guarded by `lock`.
public final class SQLiteUserKeyStore: UserKeyStore, @unchecked Sendable {
    public let databasePath: String
    private let lock = NSLock()
    private var lookup: SQLiteConnection?
    private var keyTableSeen = false
    private var log: SQLiteEventLog?

    public init(databasePath: String) {
        self.databasePath = databasePath
    }

    /// Makes writes go through `log`'s writer connection.
    public func writeThrough(_ log: SQLiteEventLog) {
        lock.withLock { self.log = log }
    }

    /// A lookup reads the local file: quick enough to make while decoding.
    public var looksUpSynchronously: Bool { true }

    public func wrappedKeys(for users: [UserID]) async throws -> [(UserID, [UInt8])] {
        try users.compactMap { user in try wrappedKey(for: user).map { (user, $0) } }
    }

    public func wrappedKey(for user: UserID) throws -> [UInt8]? {
        try lock.withLock {
            if lookup == nil { lookup = try SQLiteConnection(path: databasePath, readOnly: true) }
            guard let lookup else { return nil }
            if !keyTableSeen {
                // Once there, the table stays.
                keyTableSeen = try UserKeyTable.exists(on: lookup)
                guard keyTableSeen else { return nil }
            }
            return try UserKeyTable.wrapped(user, on: lookup)
        }
    }

    public func storeKey(_ wrapped: [UInt8], for user: UserID) async throws -> [UInt8]? {
        try await write { db in
            try UserKeyTable.create(on: db)
            try UserKeyTable.insert(user, wrapped: wrapped, on: db)
            return try UserKeyTable.wrapped(user, on: db)
        }
    }

    public func deleteKey(for user: UserID) async throws {
        try await write { try UserKeyTable.delete(user, on: $0) }
    }

    public func allKeys() async throws -> [(UserID, [UInt8])] {
        let connection = try SQLiteConnection(path: databasePath, readOnly: true)
        return try UserKeyTable.all(on: connection)
    }

    /// Any one key, to tell whether the database has keys; `nil` for a database not yet made.
    public func anyKey() throws -> (UserID, [UInt8])? {
        guard FileManager.default.fileExists(atPath: databasePath) else { return nil }
        return try UserKeyTable.any(on: try SQLiteConnection(path: databasePath, readOnly: true))
    }

    private func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        if let log = lock.withLock({ log }) { return try await log.withWriter(body) }
        return try body(try EventLogFile.openExisting(path: databasePath, readOnly: false))
    }
}
