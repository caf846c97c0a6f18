public import EventStore
public import Keyring

/// One backend assembled for a gateway: the log, the read model its inline projection keeps,
/// and the keyring whose keys live beside them.
public struct ChatStorage: Sendable {
    public let log: any EventLog
    public let readModel: any ChatReadModel
    public let keyring: Keyring
    /// `typing` between the gateways sharing the database; `nil` for a backend one process owns.
    public let typingRelay: (any TypingRelay)?
    private let closeBackend: @Sendable () async -> Void

    public init(
        log: any EventLog, readModel: any ChatReadModel, keyring: Keyring, typingRelay: (any TypingRelay)? = nil,
        close: @escaping @Sendable () async -> Void
    ) {
        self.log = log
        self.readModel = readModel
        self.keyring = keyring
        self.typingRelay = typingRelay
        self.closeBackend = close
    }

    /// Refuses new appends, waits for those in flight, and ends every subscription.
    public func close() async { await closeBackend() }
}
