public import EventStore
public import Keyring

/// One backend assembled for a gateway: the log, the read model its inline projection keeps,
/// and the keyring whose keys live beside them.
public struct ChatStorage: Sendable {
    public let log: any EventLog
    public let readModel: any ChatReadModel
    public let keyring: Keyring
    private let closeBackend: @Sendable () async -> Void

    public init(
        log: any EventLog, readModel: any ChatReadModel, keyring: Keyring,
        close: @escaping @Sendable () async -> Void
    ) {
        self.log = log
        self.readModel = readModel
        self.keyring = keyring
        self.closeBackend = close
    }

    /// Refuses new appends, waits for those in flight, and ends every subscription.
    public func close() async { await closeBackend() }
}
