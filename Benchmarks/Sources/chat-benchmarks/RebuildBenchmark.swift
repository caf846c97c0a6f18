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
        raw.exec(
            "DROP TABLE IF EXISTS raw_copy; CREATE TABLE raw_copy (position INTEGER PRIMARY KEY, stream_id TEXT, type TEXT, data TEXT)"
        )
        let scan = raw.prepare("SELECT position, stream_id, type, data FROM events ORDER BY position")
        let insert = raw.prepare("INSERT INTO raw_copy (position, stream_id, type, data) VALUES (?, ?, ?, ?)")
        let seconds = measure {
            raw.exec("BEGIN")
            var count = 0
            while sqlite3_step(scan) == SQLITE_ROW {
                sqlite3_bind_int64(insert, 1, sqlite3_column_int64(scan, 0))
                sqlite3_bind_text(
                    insert, 2,
                    sqlite3_column_text(scan, 1).map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) },
                    sqlite3_column_bytes(scan, 1), transient)
                sqlite3_bind_text(
                    insert, 3,
                    sqlite3_column_text(scan, 2).map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) },
                    sqlite3_column_bytes(scan, 2), transient)
                sqlite3_bind_text(
                    insert, 4,
                    sqlite3_column_text(scan, 3).map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) },
                    sqlite3_column_bytes(scan, 3), transient)
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

    /// The same message rows the projection builds (same table layout, clustered by chat,
    /// unique message ids), extracted from the events by SQLite itself with `json_extract`.
    func rawSameRows() -> Double {
        let raw = RawSQLite(path: path, synchronous: "NORMAL")
        raw.exec("PRAGMA cache_size = -262144")
        raw.exec(
            """
            DROP TABLE IF EXISTS raw_messages;
            CREATE TABLE raw_messages (
                chat_id TEXT NOT NULL, position INTEGER NOT NULL, message_id TEXT NOT NULL UNIQUE,
                sender_id TEXT NOT NULL, content TEXT NOT NULL, client_message_id TEXT, sent_at TEXT NOT NULL,
                first_read_at TEXT, PRIMARY KEY (chat_id, position)) WITHOUT ROWID
            """)
        let seconds = measure {
            raw.exec(
                """
                INSERT INTO raw_messages (chat_id, position, message_id, sender_id, content, client_message_id, sent_at)
                SELECT json_extract(data, '$.chat_id'), position, json_extract(data, '$.message_id'),
                    json_extract(data, '$.sender_id'), json_extract(data, '$.sealed_content'),
                    json_extract(data, '$.client_message_id'), json_extract(data, '$.sent_at')
                FROM events WHERE type = 'message_sent' ORDER BY position
                """)
        }
        raw.exec("DROP TABLE raw_messages")
        return seconds
    }

    func run() throws {
        let events = try EventLogFile.headPosition(on: EventLogFile.openExisting(path: path, readOnly: true))
        print("## Rebuild of \(events) events, \(runs) runs, median")
        var rebuilds = [Double]()
        var raws = [Double]()
        var sameRows = [Double]()
        for _ in 0..<runs {
            raws.append(rawCopy())
            sameRows.append(rawSameRows())
            rebuilds.append(try measure { _ = try ProjectionRebuilder.rebuild(path: path) })
        }
        let rebuild = Statistics.median(rebuilds)
        let raw = Statistics.median(raws)
        print("| | seconds (median) | runs | events/s |")
        print("|---|---:|---|---:|")
        print(
            "| raw ordered scan + insert | \(format(raw, 2)) | \(raws.map { format($0, 2) }.joined(separator: ", ")) | \(format(Double(events) / raw)) |"
        )
        let same = Statistics.median(sameRows)
        print(
            "| raw SQL, the same message rows (json_extract into the projection's layout) | \(format(same, 2)) | \(sameRows.map { format($0, 2) }.joined(separator: ", ")) | \(format(Double(events) / same)) |"
        )
        print(
            "| replay rebuild | \(format(rebuild, 2)) | \(rebuilds.map { format($0, 2) }.joined(separator: ", ")) | \(format(Double(events) / rebuild)) |"
        )
        print(
            "rebuild rate = \(format(100 * raw / rebuild, 1)) % of the raw copy, \(format(100 * same / rebuild, 1)) % of the raw same-rows insert"
        )
    }
}
