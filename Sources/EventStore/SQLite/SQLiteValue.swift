import CSQLite

/// A column value of any SQLite storage class, for generic dumps and comparisons.
public enum SQLiteValue: Sendable, Hashable, Encodable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .integer(let value): try container.encode(value)
        case .real(let value): try container.encode(value)
        case .text(let value): try container.encode(value)
        case .blob(let bytes): try container.encode(bytes.map { String($0, radix: 16) }.joined())
        }
    }
}

extension SQLiteStatement {
    /// The value of `column` in the current row, whatever its type.
    public func value(_ column: Int32) -> SQLiteValue {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: .integer(int64(column))
        case SQLITE_FLOAT: .real(sqlite3_column_double(statement, column))
        case SQLITE_TEXT: .text(string(column))
        case SQLITE_BLOB: .blob(bytes(column))
        default: .null
        }
    }

    public func columnName(_ column: Int32) -> String {
        sqlite3_column_name(statement, column).map { String(cString: $0) } ?? ""
    }
}
