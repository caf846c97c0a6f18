import CSQLite
import Foundation

/// The same rows the log and projection write, through the bare SQLite C API with no
/// hashing, JSON or concurrency: the ceiling the event store is compared against.
final class RawSQLite {
    let db: OpaquePointer

    init(path: String, synchronous: String) {
        var handle: OpaquePointer?
        precondition(sqlite3_open(path, &handle) == SQLITE_OK)
        db = handle!
        exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = \(synchronous)")
    }

    deinit { sqlite3_close(db) }

    func exec(_ sql: String) {
        let result = sqlite3_exec(db, sql, nil, nil, nil)
        precondition(result == SQLITE_OK, String(cString: sqlite3_errmsg(db)))
    }

    func prepare(_ sql: String) -> OpaquePointer {
        var statement: OpaquePointer?
        let result = sqlite3_prepare_v2(db, sql, -1, &statement, nil)
        precondition(result == SQLITE_OK, String(cString: sqlite3_errmsg(db)))
        return statement!
    }

    func scalar(_ sql: String) -> Int64 {
        let statement = prepare(sql)
        defer { sqlite3_finalize(statement) }
        precondition(sqlite3_step(statement) == SQLITE_ROW)
        return sqlite3_column_int64(statement, 0)
    }

    func run(_ statement: OpaquePointer) {
        let result = sqlite3_step(statement)
        precondition(result == SQLITE_DONE, String(cString: sqlite3_errmsg(db)))
        sqlite3_reset(statement)
    }
}

let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

func bindText(_ statement: OpaquePointer, _ index: Int32, _ bytes: [UInt8]) {
    bytes.withUnsafeBufferPointer {
        _ = sqlite3_bind_text(
            statement, index, UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), Int32($0.count),
            transient)
    }
}

func bindText(_ statement: OpaquePointer, _ index: Int32, _ text: String) {
    sqlite3_bind_text(statement, index, text, -1, transient)
}
