import ArgumentParser
import EventStore
import Foundation
import Projections

struct RebuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Rebuild every projection from position 0.",
        discussion: """
            The new tables are built beside the old ones and swapped in at the end: an \
            interrupted rebuild leaves the old projections intact.
            """)

    @Option(help: "The chat database.") var db: String
    @Option(help: "Events read and applied at a time; 20 batches make one transaction. Bounds memory.")
    var batchSize = 5_000
    @OptionGroup var keys: KeyFileOption

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
    }

    func run() throws {
        var bar = ProgressBar(label: "rebuild")
        let started = Date()
        let count: Int64
        do {
            let keyring = try keys.existing(for: db)
            count = try ProjectionRebuilder.rebuild(path: db, keyring: keyring, batchSize: batchSize) { progress in
                bar.update(done: progress.position, total: progress.head, perSecond: progress.eventsPerSecond)
            }
        } catch let error as EventStoreError {
            throw ReplayFailure(error.description)
        }
        let seconds = -started.timeIntervalSinceNow
        bar.update(done: count, total: count, perSecond: seconds > 0 ? Double(count) / seconds : 0, force: true)
        bar.finish()
        print("rebuilt projections from \(count) events in \(String(format: "%.2f", seconds)) s")
    }
}
