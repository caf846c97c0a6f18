import ArgumentParser
import EventStore
import Foundation
import Keyring
import PostgresBackend
import Projections

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Create a new database from an NDJSON export.",
        discussion: "Re-verifies the hash chain line by line and builds the projections; never overwrites.")

    @Option(help: "The new chat database (must not exist), or a postgres:// URL of a database whose log is empty.")
    var db: String
    @Option(name: .customLong("in"), help: "The NDJSON file to read.") var input: String
    @Option(help: "The keys file `export --keys-out` wrote; without it, sealed text reads as erased.")
    var keysIn: String?
    @OptionGroup var keys: KeyFileOption

    func run() async throws {
        guard FileManager.default.fileExists(atPath: input) else { throw ReplayFailure("no such file: \(input)") }
        if PostgresURL.isPostgres(db) { return try await importIntoPostgres() }
        var bar = ProgressBar(label: "import")
        let started = Date()
        do {
            let count = try ChatLogImporter.importLog(from: input, to: db, keyFile: keys.keyFile, keysIn: keysIn) {
                position in
                bar.update(
                    done: position, total: position,
                    perSecond: Double(position) / max(0.001, -started.timeIntervalSinceNow))
            }
            bar.update(
                done: count, total: count, perSecond: Double(count) / max(0.001, -started.timeIntervalSinceNow),
                force: true)
            bar.finish()
            print("imported \(count) events into \(db)")
        } catch let error as EventLogExchange.ImportError {
            throw ReplayFailure("import failed, nothing written: \(error)")
        } catch let error as EventStoreError {
            throw ReplayFailure("import failed, nothing written: \(error)")
        } catch let error as KeyringError {
            throw ReplayFailure("import failed, nothing written: \(error)")
        }
    }

    /// Into PostgreSQL: the events and keys in one transaction, then the read model built.
    private func importIntoPostgres() async throws {
        guard let keyFile = keys.keyFile else { throw ReplayFailure(PostgresBackendError.keyFileRequired.description) }
        do {
            let url = try PostgresURL(db)
            let count = try await PostgresLogImporter.importLog(
                from: input, to: url, keyFile: keyFile, keysIn: keysIn)
            print("imported \(count) events into \(url.redacted)")
        } catch let error as EventLogExchange.ImportError {
            throw ReplayFailure("import failed, nothing written: \(error)")
        } catch let error as PostgresLogImporter.DestinationNotEmpty {
            throw ReplayFailure("import refused, nothing written: \(error)")
        } catch let error as KeyringError {
            throw ReplayFailure("import failed, nothing written: \(error)")
        }
    }
}
