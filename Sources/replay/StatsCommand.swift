import ArgumentParser
import EventStore
import Foundation
import PostgresBackend

struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Events by type, streams, head position and database size.")

    @Option(help: "The chat database: a SQLite file or a postgres:// URL.") var db: String

    func run() async throws {
        if PostgresURL.isPostgres(db) {
            let statistics = try await PostgresLogStatistics.read(from: PostgresURL(db))
            return report(
                head: statistics.head, byType: statistics.eventsByType.map { ($0.type, $0.count) },
                streams: statistics.streams, size: "\(statistics.databaseBytes) bytes (the whole PostgreSQL database)")
        }
        let connection = try openDatabase(db)
        let byType = try connection.prepare(
            "SELECT type, count(*) FROM events GROUP BY type ORDER BY count(*) DESC, type")
        var rows = [(String, Int64)]()
        while try byType.step() { rows.append((byType.string(0), byType.int64(1))) }
        let streams = try connection.scalarInt64("SELECT count(DISTINCT stream_id) FROM events") ?? 0
        let head = try EventLogFile.headPosition(on: connection)
        let pageBytes =
            (try connection.scalarInt64("PRAGMA page_count") ?? 0)
            * (try connection.scalarInt64("PRAGMA page_size") ?? 0)
        let walBytes = (try? FileManager.default.attributesOfItem(atPath: db + "-wal")[.size] as? Int64) ?? 0

        report(
            head: head, byType: rows, streams: streams, size: "\(pageBytes) bytes (+ \(walBytes) bytes of WAL)")
    }

    private func report(head: Int64, byType rows: [(String, Int64)], streams: Int64, size: String) {
        print("head position: \(head)")
        print("events:        \(rows.reduce(0) { $0 + $1.1 })")
        print("streams:       \(streams)")
        print("database size: \(size)")
        print("events by type:")
        let width = rows.map(\.0.count).max() ?? 0
        for (type, count) in rows {
            print("  \(type.padding(toLength: width, withPad: " ", startingAt: 0))  \(count)")
        }
    }
}
