public import ChatDomain
public import EventStore
import Foundation

extension Keyring {
    /// The events whose data carries sealed text.
    static let sealingKinds: Set<String> = [
        ChatEvent.Kind.messageSent.rawValue, ChatEvent.Kind.messageEdited.rawValue,
        ChatEvent.Kind.userRegistered.rawValue,
    ]

    /// Reads ahead, in one request, the keys that opening `events` needs and this keyring
    /// lacks, from a store that cannot look keys up while events are decoded (PostgreSQL).
    /// Text this process sealed lately needs no key.
    public func prefetchKeys(for events: some Collection<RecordedEvent>) async throws {
        try await prefetchKeys(for: events) { try await self.store.wrappedKeys(for: $0) }
    }

    /// ``prefetchKeys(for:)`` reading the keys with `fetch` (on a connection in hand).
    public func prefetchKeys(
        for events: some Collection<RecordedEvent>,
        fetch: ([UserID]) async throws -> [(UserID, [UInt8])]
    ) async throws {
        guard !store.looksUpSynchronously else { return }
        let recorder = MissingKeyRecorder(keyring: self)
        for event in events where Self.sealingKinds.contains(event.type) {
            _ = try? ChatEvent(type: event.type, schemaVersion: event.schemaVersion, data: event.data, opener: recorder)
        }
        let missing = recorder.missing.filter(lacksKey(for:))
        guard !missing.isEmpty else { return }
        for (user, wrapped) in try await fetch(missing.sorted { $0.rawValue < $1.rawValue }) {
            _ = cache(wrapped, for: user)
        }
    }
}

/// Opens nothing: notes the authors whose key the keyring lacks.
///
/// > Note: `@unchecked Sendable`: `missing` is guarded by `lock`; used by one decode at a time.
private final class MissingKeyRecorder: TextSealer, @unchecked Sendable {
    let keyring: Keyring
    private let lock = NSLock()
    private var authors = Set<UserID>()

    init(keyring: Keyring) { self.keyring = keyring }

    var missing: Set<UserID> { lock.withLock { authors } }

    func seal(_ text: String, author: UserID, context: String) throws -> String {
        throw KeyringError.noKey(author)
    }

    func open(_ sealed: String, author: UserID, context: String) -> String? {
        if keyring.recentText(sealed, author: author, context: context) == nil, keyring.lacksKey(for: author) {
            lock.withLock { _ = authors.insert(author) }
        }
        return nil
    }
}
