public import EventStore
import Foundation

/// Every read-model table as ordered rows: what golden tests compare and `verify` diffs.
public enum ReadModelDump {
    public typealias Rows = [[String: SQLiteValue]]

    /// All rows of every read-model table, keyed by base table name.
    public static func dump(_ tables: ReadModelTables = .live, on db: SQLiteConnection) throws -> [String: Rows] {
        var result = [String: Rows]()
        for base in ReadModelTables.baseNames {
            let statement = try db.prepare(
                "SELECT * FROM \(tables.prefix)\(base) ORDER BY \(ReadModelTables.orderBy(base))")
            var rows = Rows()
            while try statement.step() {
                var row = [String: SQLiteValue]()
                for column in 0..<statement.columnCount { row[statement.columnName(column)] = statement.value(column) }
                rows.append(row)
            }
            result[base] = rows
        }
        return result
    }

    /// Pretty, sorted-key JSON of a dump, stable enough to commit as a golden file.
    public static func json(_ dump: [String: Rows]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(dump), as: UTF8.self) + "\n"
    }
}
