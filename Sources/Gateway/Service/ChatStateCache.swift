import ChatDomain
import Foundation

/// The decision state of recently used chats, so that sending a message needs no read
/// before its append.
///
/// It needs no invalidation from elsewhere to stay correct: every append states the stream
/// version its decision saw, the log refuses a stale one, and the caller then forgets the
/// entry and reads the chat again. That holds for another process appending to the same
/// log too.
///
/// > Note: `@unchecked Sendable`: `entries` is guarded by `lock`.
final class ChatStateCache: @unchecked Sendable {
    struct Entry: Sendable {
        var state: ChatState
        var streamVersion: Int64
    }

    private let lock = NSLock()
    private var entries: [ChatID: Entry] = [:]
    private let capacity: Int

    /// Holds at most `capacity` chats; when full it starts over, which costs one read per
    /// chat rather than bookkeeping on every message.
    init(capacity: Int = 100_000) {
        self.capacity = capacity
    }

    func entry(for chatID: ChatID) -> Entry? {
        lock.withLock { entries[chatID] }
    }

    /// Keeps `entry` unless a newer version of the chat is already known.
    func store(_ entry: Entry, for chatID: ChatID) {
        lock.withLock {
            if let known = entries[chatID], known.streamVersion > entry.streamVersion { return }
            if entries.count >= capacity, entries[chatID] == nil { entries.removeAll(keepingCapacity: true) }
            entries[chatID] = entry
        }
    }

    /// The state after `events` were appended to the chat as `streamVersion`.
    func recordAppend(_ events: [ChatEvent], to chatID: ChatID, after previous: Entry?, streamVersion: Int64) {
        guard let state = events.reduce(previous?.state, ChatState.evolve) else {
            forget(chatID)
            return
        }
        store(Entry(state: state, streamVersion: streamVersion), for: chatID)
    }

    func forget(_ chatID: ChatID) {
        _ = lock.withLock { entries.removeValue(forKey: chatID) }
    }
}
