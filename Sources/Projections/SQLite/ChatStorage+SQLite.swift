public import EventStore
public import Keyring

extension ChatStorage {
    /// The embedded backend: the log, the read model and the keys in one SQLite file.
    ///
    /// - Parameters:
    ///   - keyFile: the master key file; by default beside the database.
    public static func sqlite(
        path: String, keyFile: String? = nil, configuration: SQLiteEventLog.Configuration = .init()
    ) async throws -> ChatStorage {
        let keyring = try Keyring.open(databasePath: path, keyFile: keyFile)
        let log = try await SQLiteEventLog.open(
            path: path, configuration: configuration, projection: ChatProjection(keyring: keyring))
        return sqlite(log: log, keyring: keyring)
    }

    /// The embedded backend around a log already open with this keyring's projection.
    public static func sqlite(log: SQLiteEventLog, keyring: Keyring) -> ChatStorage {
        (keyring.store as? SQLiteUserKeyStore)?.writeThrough(log)
        return ChatStorage(
            log: log, readModel: SQLiteChatReadModel(log: log), keyring: keyring, close: { await log.close() })
    }
}
