import ArgumentParser
import EventStore
import PostgresBackend

/// `replay`: rebuild, verify, audit, export and import a chat event log.
@main
struct Replay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild, verify and audit a chat event log.",
        discussion: "Every subcommand takes --db: the SQLite file chat-gateway writes, or its postgres:// URL.",
        subcommands: [
            RebuildCommand.self, VerifyCommand.self, HistoryCommand.self, ExportCommand.self, ImportCommand.self,
            StatsCommand.self, EraseUserCommand.self,
        ])
}

/// A failure the user should read: printed as `Error: <message>`, exit status 1.
struct ReplayFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Opens an existing chat database, turning "missing" or "not a chat database" into a
/// message for the operator.
func openDatabase(_ path: String, readOnly: Bool = true) throws -> SQLiteConnection {
    do {
        return try EventLogFile.openExisting(path: path, readOnly: readOnly)
    } catch let error as EventStoreError {
        throw ReplayFailure(error.description)
    }
}

/// Runs `body`; a storage or backend failure becomes the message the operator reads.
func failingLegibly<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as EventStoreError {
        throw ReplayFailure(error.description)
    } catch let error as PostgresBackendError {
        throw ReplayFailure(error.description)
    }
}
