public import ChatDomain
public import EventStore
import Foundation
public import Keyring

/// Rebuilds the read model from position 0.
///
/// The new tables are built beside the live ones (`rebuild_…`) in batches, then, in one
/// transaction that also applies any events appended meanwhile, the live tables are dropped
/// and the new ones renamed over them. Interrupted at any point before that transaction
/// commits, the live read model is untouched; the next rebuild discards the leftovers.
public enum ProjectionRebuilder {
    /// How far a rebuild has got.
    public struct Progress: Sendable {
        public var position: Int64
        public var head: Int64
        public var elapsedSeconds: Double
        public var eventsPerSecond: Double { elapsedSeconds > 0 ? Double(position) / elapsedSeconds : 0 }

        public init(position: Int64, head: Int64, elapsedSeconds: Double) {
            self.position = position
            self.head = head
            self.elapsedSeconds = elapsedSeconds
        }
    }

    /// Rebuilds the database at `path`; returns the number of events applied.
    ///
    /// Sealed text is opened with `keyring` (by default the one beside the database, if its key
    /// file exists); without it, or without a user's key, it reads as erased.
    public static func rebuild(
        path: String, keyring: Keyring? = nil, batchSize: Int = 5_000, progress: (Progress) throws -> Void = { _ in }
    ) throws -> Int64 {
        let connection = try EventLogFile.openExisting(path: path)
        return try rebuild(
            on: connection, keyring: try keyring ?? Keyring.existing(databasePath: path), batchSize: batchSize,
            progress: progress)
    }

    /// - Parameters:
    ///   - batchSize: events read and applied at a time (bounds memory).
    ///   - batchesPerTransaction: batches per transaction. Large transactions let the many
    ///     inserts into one chat's pages be written once instead of once per commit.
    public static func rebuild(
        on connection: SQLiteConnection, keyring: Keyring? = nil, batchSize: Int = 5_000,
        batchesPerTransaction: Int = 20,
        progress: (Progress) throws -> Void = { _ in }
    ) throws -> Int64 {
        try rebuild(
            on: connection, projection: { ChatProjection(tables: $0, keyring: keyring) }, batchSize: batchSize,
            batchesPerTransaction: batchesPerTransaction, progress: progress)
    }

    /// Rebuilds with text opened by `opener` instead of a keyring (to measure what the keyring costs).
    public static func rebuild(on connection: SQLiteConnection, opener: any TextSealer) throws -> Int64 {
        try rebuild(on: connection, projection: { ChatProjection(tables: $0, opener: opener) })
    }

    private static func rebuild(
        on connection: SQLiteConnection, projection: (ReadModelTables) -> ChatProjection, batchSize: Int = 5_000,
        batchesPerTransaction: Int = 20, progress: (Progress) throws -> Void = { _ in }
    ) throws -> Int64 {
        let started = Date()
        try dropTables(withPrefix: "rebuild_", on: connection)
        let staging = projection(.rebuild(suffix: String(UInt32.random(in: .min ... .max), radix: 16)))
        try staging.prepareSchema(on: connection)
        // A crash can only lose staging rows, which are discarded anyway; the swap is FULL.
        // A large page cache keeps every chat's current pages in memory between commits.
        try connection.execute(
            "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -262144; PRAGMA wal_autocheckpoint = 10000")
        var position: Int64 = 0
        let head = try EventLogFile.headPosition(on: connection)
        var done = false
        // Each batch is decoded (its text opened) on another thread while the one before it
        // is written: decoding and SQLite each take a core.
        var ahead = DecodedBatch(
            try EventLogFile.read(after: position, limit: batchSize, on: connection), projection: staging)
        while !done {
            try connection.transaction {
                for _ in 0..<batchesPerTransaction {
                    guard let last = ahead.lastPosition else {
                        done = true
                        return
                    }
                    let current = ahead
                    ahead = DecodedBatch(
                        try EventLogFile.read(after: last, limit: batchSize, on: connection), projection: staging)
                    try staging.apply(decoded: current.events(), on: connection)
                    position = last
                }
            }
            try progress(
                Progress(position: position, head: max(head, position), elapsedSeconds: -started.timeIntervalSinceNow))
        }
        try connection.execute("PRAGMA synchronous = FULL")
        try connection.transaction {
            // Events appended since the scan ended (a server may be running).
            while true {
                let events = try EventLogFile.read(after: position, limit: batchSize, on: connection)
                guard let last = events.last else { break }
                try staging.apply(events, on: connection)
                position = last.position
            }
            connection.clearStatementCache()
            for base in ReadModelTables.baseNames {
                try connection.execute("DROP TABLE IF EXISTS \(base)")
                try connection.execute("ALTER TABLE rebuild_\(base) RENAME TO \(base)")
            }
        }
        connection.clearStatementCache()
        return position
    }

    /// Drops every table whose name starts with `prefix` (with their indexes).
    static func dropTables(withPrefix prefix: String, on connection: SQLiteConnection) throws {
        let statement = try connection.prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ? ESCAPE '\\'")
        statement.bind(1, prefix.replacingOccurrences(of: "_", with: "\\_") + "%")
        var names = [String]()
        while try statement.step() { names.append(statement.string(0)) }
        connection.clearStatementCache()
        for name in names { try connection.execute("DROP TABLE \"\(name)\"") }
    }
}
