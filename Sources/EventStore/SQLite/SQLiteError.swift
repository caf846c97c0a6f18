import CSQLite

/// A failed SQLite call, with SQLite's result code kept so callers can match on it.
///
/// The description names only the result code: SQLite's message can quote SQL or
/// constraint details, so it is kept apart in ``detail`` for debugging.
///
/// Related SQLite documentation: <https://www.sqlite.org/rescode.html>
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    /// The extended result code, e.g. `SQLITE_CONSTRAINT_UNIQUE` (2067).
    public var extendedCode: Int32
    /// SQLite's own message. May contain schema names; do not send it to clients.
    public var detail: String

    public init(extendedCode: Int32, detail: String) {
        self.extendedCode = extendedCode
        self.detail = detail
    }

    /// The primary result code, e.g. `SQLITE_CONSTRAINT` (19).
    public var code: Int32 { extendedCode & 0xff }

    public var isConstraintViolation: Bool { code == SQLITE_CONSTRAINT }
    public var isBusy: Bool { code == SQLITE_BUSY || code == SQLITE_LOCKED }
    public var isDiskFull: Bool { code == SQLITE_FULL }
    public var isReadOnly: Bool { code == SQLITE_READONLY }

    public var description: String {
        "SQLite error \(extendedCode) (\(String(cString: sqlite3_errstr(extendedCode))))"
    }
}
