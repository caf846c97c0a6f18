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

    static func wrapped(_ user: UserID, on db: SQLiteConnection) throws -> [UInt8]? {
        let statement = try db.cachedStatement("SELECT wrapped_key FROM user_keys WHERE user_id = ?")
        statement.bind(1, user.rawValue)
        defer { statement.reset() }
        return try statement.step() ? statement.bytes(0) : nil
    }

    static func insert(_ user: UserID, wrapped: [UInt8], on db: SQLiteConnection) throws {
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

    static func all(on db: SQLiteConnection) throws -> [(UserID, [UInt8])] {
        let exists = try db.scalarInt64("SELECT count(*) FROM sqlite_master WHERE name = 'user_keys'") ?? 0
        guard exists == 1 else { return [] }
        let statement = try db.prepare("SELECT user_id, wrapped_key FROM user_keys ORDER BY user_id")
        var rows = [(UserID, [UInt8])]()
        while try statement.step() { rows.append((UserID(statement.string(0)), statement.bytes(1))) }
        return rows
    }
}
