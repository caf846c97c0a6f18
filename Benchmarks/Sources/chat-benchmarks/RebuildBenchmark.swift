import CSQLite
import EventStore
import Foundation
import Projections

/// `replay rebuild` of a large log against a raw ordered scan that inserts the same rows.
struct RebuildBenchmark {
    let path: String
    let runs: Int

    /// The raw baseline: every event's columns read in order and inserted into a copy table.
    func rawCopy() -> Double {
        let raw = RawSQLite(path: path, synchronous: "NORMAL")
        raw.exec("DROP TABLE IF EXISTS raw_copy; CREATE TABLE raw_copy (position INTEGER PRIMARY KEY, stream_id TEXT, type TEXT, data TEXT)")
        let scan = raw.prepare("SELECT position, stream_id, type, data FROM events ORDER BY position")
        let insert = raw.prepare("INSERT INTO raw_copy (position, stream_id, type, data) VALUES (?, ?, ?, ?)")
        let seconds = measure {
            raw.exec("BEGIN")
            var count = 0
            while sqlite3_step(scan) == SQLITE_ROW {
                sqlite3_bind_int64(insert, 1, sqlite3_column_int64(scan, 0))
                sqlite3_bind_text(insert, 2, sqlite3_column_text(scan, 1).map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, sqlite3_column_bytes(scan, 1), transient)
                sqlite3_bind_text(insert, 3, sqlite3_column_text(scan, 2).map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, sqlite3_column_bytes(scan, 2), transient)
                sqlite3_bind_text(insert, 4, sqlite3_column_text(scan, 3).map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, sqlite3_column_bytes(scan, 3), transient)
                raw.run(insert)
                count += 1
                if count % 5_000 == 0 { raw.exec("COMMIT; BEGIN") }
            }
            raw.exec("COMMIT")
        }
        sqlite3_finalize(scan)
        sqlite3_finalize(insert)
        raw.exec("DROP TABLE raw_copy")
        return seconds
    }

    func run() throws {
        let events = try EventLogFile.headPosition(on: EventLogFile.openExisting(path: path, readOnly: true))
        print("## Rebuild of \(events) events, \(runs) runs, median")
        var rebuilds = [Double]()
        var raws = [Double]()
        for _ in 0..<runs {
            raws.append(rawCopy())
            rebuilds.append(try measure { _ = try ProjectionRebuilder.rebuild(path: path) })
        }
        let rebuild = Statistics.median(rebuilds)
        let raw = Statistics.median(raws)
        print("| | seconds (median) | runs | events/s |")
        print("|---|---:|---|---:|")
        print("| raw ordered scan + insert | \(format(raw, 2)) | \(raws.map { format($0, 2) }.joined(separator: ", ")) | \(format(Double(events) / raw)) |")
        print("| replay rebuild | \(format(rebuild, 2)) | \(rebuilds.map { format($0, 2) }.joined(separator: ", ")) | \(format(Double(events) / rebuild)) |")
        print("rebuild rate = \(format(100 * raw / rebuild, 1)) % of raw")
    }
}
