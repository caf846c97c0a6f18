import CSQLite

/// One SQLite connection, used by one thread (or serial queue) at a time.
///
/// This is deliberately thin: the event log and projections write their own SQL and keep
/// their prepared statements in ``cachedStatement(_:)``.
///
/// > Warning: Not thread-safe. Its owner confines it to a single serial executor; that is
/// > why it is `@unchecked Sendable` — it may be handed to the queue that owns it.
public final class SQLiteConnection: @unchecked Sendable {
    let handle: OpaquePointer
    private var statements: [String: SQLiteStatement] = [:]

    /// Opens (or creates, unless `readOnly`) the database at `path`.
    public init(path: String, readOnly: Bool = false, create: Bool = true) throws(SQLiteError) {
        var handle: OpaquePointer?
        var flags = SQLITE_OPEN_NOMUTEX
        if readOnly {
            flags |= SQLITE_OPEN_READONLY
        } else {
            flags |= SQLITE_OPEN_READWRITE
            if create { flags |= SQLITE_OPEN_CREATE }
        }
        let result = sqlite3_open_v2(path, &handle, flags, nil)
        guard result == SQLITE_OK, let handle else {
            let error = SQLiteError(
                extendedCode: handle.map { sqlite3_extended_errcode($0) } ?? result,
                detail: handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open")
            sqlite3_close_v2(handle)
            throw error
        }
        self.handle = handle
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, 10_000)
    }

    deinit {
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements that return no rows.
    public func execute(_ sql: String) throws(SQLiteError) {
        let result = sqlite3_exec(handle, sql, nil, nil, nil)
        guard result == SQLITE_OK else { throw lastError(result) }
    }

    /// A new prepared statement, owned by the caller.
    public func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        var statement: OpaquePointer?
        let result = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard result == SQLITE_OK, let statement else { throw lastError(result) }
        return SQLiteStatement(statement: statement, connection: self)
    }

    /// A prepared statement kept for the life of the connection, reset and ready to bind.
    public func cachedStatement(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        if let statement = statements[sql] {
            statement.reset()
            return statement
        }
        let statement = try prepare(sql)
        statements[sql] = statement
        return statement
    }

    /// Resets every statement of this connection that stopped mid-result.
    ///
    /// A SELECT stepped to a row but not to its end keeps the connection's read
    /// transaction open: later queries would see that old snapshot, and the WAL could never
    /// be checkpointed past it. Call this when a unit of work ends.
    public func resetActiveStatements() {
        var statement = sqlite3_next_stmt(handle, nil)
        while let current = statement {
            if sqlite3_stmt_busy(current) != 0 { sqlite3_reset(current) }
            statement = sqlite3_next_stmt(handle, current)
        }
    }

    /// Forgets cached statements, e.g. before tables they use are dropped.
    public func clearStatementCache() {
        statements.removeAll()
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    public var changes: Int { Int(sqlite3_changes(handle)) }

    /// Whether a transaction is open.
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Whether the main database was opened read-only (asked for, or the file is not writable).
    public var isReadOnly: Bool { sqlite3_db_readonly(handle, "main") == 1 }

    /// Puts the file in WAL mode (a no-op once it is). Switching a new file needs an exclusive
    /// lock, for which SQLite does not wait when another connection is opening the same file
    /// at that moment: it answers SQLITE_BUSY at once. So: try again, for up to 10 s.
    public func enableWALMode() throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            do {
                try execute("PRAGMA journal_mode = WAL")
                return
            } catch {
                guard error.isBusy, ContinuousClock.now < deadline else { throw error }
                sqlite3_sleep(1)
            }
        }
    }

    /// Runs `body` in `BEGIN IMMEDIATE … COMMIT`, rolling back if it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// The first column of the first row of a query, as an integer.
    public func scalarInt64(_ sql: String) throws(SQLiteError) -> Int64? {
        let statement = try prepare(sql)
        guard try statement.step() else { return nil }
        return statement.isNull(0) ? nil : statement.int64(0)
    }

    func lastError(_ result: Int32) -> SQLiteError {
        SQLiteError(extendedCode: sqlite3_extended_errcode(handle), detail: String(cString: sqlite3_errmsg(handle)))
    }
}
