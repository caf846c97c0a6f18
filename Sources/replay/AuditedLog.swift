import ChatDomain
import EventStore
import Keyring
import PostgresBackend

/// What `history` reads, from either backend: the log by position, and the events that name
/// users (so that names come from the log itself, even without projections).
protocol AuditedLog {
    /// Opens sealed text; `nil` for a SQLite database that never had keys.
    var keyring: Keyring? { get }
    func read(after position: Int64, limit: Int) async throws -> [RecordedEvent]
    /// Every `user_registered` and `user_erased` event, in log order.
    func namingEvents() async throws -> [RecordedEvent]
    func close() async
}

extension AuditedLog {
    static var namingTypes: [String] { [ChatEvent.Kind.userRegistered.rawValue, ChatEvent.Kind.userErased.rawValue] }
}

/// A SQLite file, read only.
struct SQLiteAuditedLog: AuditedLog {
    let connection: SQLiteConnection
    let keyring: Keyring?

    init(path: String, keys: KeyFileOption) throws {
        connection = try openDatabase(path)
        keyring = try keys.existing(for: path)
    }

    func read(after position: Int64, limit: Int) async throws -> [RecordedEvent] {
        try EventLogFile.read(after: position, limit: limit, on: connection)
    }

    func namingEvents() async throws -> [RecordedEvent] {
        try EventLogFile.read(types: Self.namingTypes, on: connection)
    }

    func close() async {}
}

/// A PostgreSQL database, whose keys are read ahead of each batch.
struct PostgresAuditedLog: AuditedLog {
    let log: PostgresReplayLog
    var keyring: Keyring? { log.keyring }

    init(url: String, keys: KeyFileOption) async throws {
        log = try await PostgresReplayLog.open(url: PostgresURL(url), keyFile: keys.postgres())
    }

    func read(after position: Int64, limit: Int) async throws -> [RecordedEvent] {
        try await log.read(after: position, limit: limit)
    }

    func namingEvents() async throws -> [RecordedEvent] { try await log.events(ofTypes: Self.namingTypes) }

    func close() async { await log.close() }
}
