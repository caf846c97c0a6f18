import ArgumentParser
import EventStore
import Foundation
import PostgresBackend
import Projections

struct RebuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Rebuild every projection from position 0.",
        discussion: """
            The new tables are built beside the old ones and swapped in at the end: an \
            interrupted rebuild leaves the old projections intact. Safe while chat-gateway \
            runs; on PostgreSQL, appends wait during the swap only.
            """)

    @Option(help: "The chat database: a SQLite file or a postgres:// URL.") var db: String
    @Option(help: "Events read and applied at a time; 20 batches make one transaction. Bounds memory.")
    var batchSize = 5_000
    @OptionGroup var keys: KeyFileOption

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
    }

    func run() async throws {
        var bar = ProgressBar(label: "rebuild")
        let started = Date()
        let report = { (progress: ProjectionRebuilder.Progress) in
            bar.update(done: progress.position, total: progress.head, perSecond: progress.eventsPerSecond)
        }
        let count = try await failingLegibly {
            if PostgresURL.isPostgres(db) {
                return try await PostgresProjectionRebuilder.rebuild(
                    url: PostgresURL(db), keyFile: keys.postgres(), batchSize: batchSize, progress: report)
            }
            return try ProjectionRebuilder.rebuild(
                path: db, keyring: keys.existing(for: db), batchSize: batchSize, progress: report)
        }
        let seconds = -started.timeIntervalSinceNow
        bar.update(done: count, total: count, perSecond: seconds > 0 ? Double(count) / seconds : 0, force: true)
        bar.finish()
        print("rebuilt projections from \(count) events in \(String(format: "%.2f", seconds)) s")
    }
}
