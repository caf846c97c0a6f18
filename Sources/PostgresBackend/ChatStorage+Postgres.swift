import Keyring
public import Logging
public import Projections

extension ChatStorage {
    /// The shared backend: the log, the read model and the keys in one PostgreSQL database.
    ///
    /// - Parameters:
    ///   - keyFile: the master key file; every gateway on the database needs the same one.
    ///   - create: `false` to refuse a database without a chat log instead of creating one.
    public static func postgres(
        url: PostgresURL, keyFile: String, configuration: PostgresEventLog.Configuration = .init(),
        create: Bool = true, logger: Logger = Logger(label: "chat.postgres")
    ) async throws -> ChatStorage {
        let (store, keyring) = try await PostgresUserKeyStore.keyring(url: url, keyFile: keyFile, logger: logger)
        let log = try await PostgresEventLog.open(
            url: url, configuration: configuration, projection: PostgresChatProjection(keyring: keyring),
            create: create, logger: logger)
        store.attach(log)
        return ChatStorage(
            log: log, readModel: PostgresChatReadModel(log: log), keyring: keyring, typingRelay: log.typingRelay,
            close: { await log.close() })
    }
}
