public import ChatDomain
public import EventStore

/// The `user_keys` table: each user's key, wrapped by the master key, beside the log but not
/// in it. Rows are deleted for good on erasure; the connections that delete them run with
/// `secure_delete`, so the bytes do not survive in free pages.
public enum UserKeyTable {
    public static let createSQL = """
        CREATE TABLE IF NOT EXISTS user_keys (
            user_id TEXT PRIMARY KEY,
            wrapped_key BLOB NOT NULL
        ) WITHOUT ROWID
        """

    public static func create(on db: SQLiteConnection) throws {
        try db.execute(createSQL)
    }

    public static func wrapped(_ user: UserID, on db: SQLiteConnection) throws -> [UInt8]? {
        let statement = try db.cachedStatement("SELECT wrapped_key FROM user_keys WHERE user_id = ?")
        statement.bind(1, user.rawValue)
        defer { statement.reset() }
        return try statement.step() ? statement.bytes(0) : nil
    }

    public static func insert(_ user: UserID, wrapped: [UInt8], on db: SQLiteConnection) throws {
        let statement = try db.cachedStatement(
            "INSERT INTO user_keys (user_id, wrapped_key) VALUES (?, ?) ON CONFLICT DO NOTHING")
        statement.bind(1, user.rawValue)
        statement.bindBlob(2, wrapped)
        try statement.run()
    }

    /// Destroys a user's key, in the caller's transaction.
    public static func delete(_ user: UserID, on db: SQLiteConnection) throws {
        let statement = try db.cachedStatement("DELETE FROM user_keys WHERE user_id = ?")
        statement.bind(1, user.rawValue)
        try statement.run()
    }

    /// Whether the table exists: only a database that never had keys lacks it.
    public static func exists(on db: SQLiteConnection) throws -> Bool {
        try db.scalarInt64("SELECT count(*) FROM sqlite_master WHERE name = 'user_keys'") == 1
    }

    public static func all(on db: SQLiteConnection) throws -> [(UserID, [UInt8])] {
        try rows("SELECT user_id, wrapped_key FROM user_keys ORDER BY user_id", on: db)
    }

    /// Any one key, to tell whether the database has keys and whether a master key opens them.
    public static func any(on db: SQLiteConnection) throws -> (UserID, [UInt8])? {
        try rows("SELECT user_id, wrapped_key FROM user_keys LIMIT 1", on: db).first
    }

    private static func rows(_ sql: String, on db: SQLiteConnection) throws -> [(UserID, [UInt8])] {
        guard try exists(on: db) else { return [] }
        let statement = try db.prepare(sql)
        var rows = [(UserID, [UInt8])]()
        while try statement.step() { rows.append((UserID(statement.string(0)), statement.bytes(1))) }
        return rows
    }
}
