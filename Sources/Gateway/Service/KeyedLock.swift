import Foundation

/// Mutual exclusion per key, fair (first come, first served), for async code.
///
/// The service decides and appends one command at a time per chat: concurrent senders to a
/// busy group would otherwise keep invalidating each other's expected version and retry.
/// Conflicts then only come from another process writing the same log.
///
/// A mutex, not an actor: an uncontended key is taken without suspending, so a command
/// stays on its connection's event loop (an actor would hop to Swift's pool and back twice
/// per message). A waiter is resumed by the release that hands it the key.
///
/// > Note: `@unchecked Sendable`: `queues` is guarded by `lock` (an `NSLock`, which
/// > ThreadSanitizer understands; it reports `Synchronization.Mutex`'s futex as a race).
final class KeyedLock: @unchecked Sendable {
    private let lock = NSLock()
    /// A key is held while present; its array holds the waiters in arrival order.
    private var queues: [String: [CheckedContinuation<Void, Never>]] = [:]

    func withLock<T: Sendable>(_ key: String, _ body: @Sendable () async throws -> T) async throws -> T {
        await acquire(key)
        defer { release(key) }
        return try await body()
    }

    private func acquire(_ key: String) async {
        if takeIfFree(key) { return }
        await withCheckedContinuation { continuation in
            let taken = lock.withLock {
                guard queues[key] != nil else {
                    queues[key] = []  // released meanwhile
                    return true
                }
                queues[key]!.append(continuation)
                return false
            }
            if taken { continuation.resume() }
        }
    }

    private func takeIfFree(_ key: String) -> Bool {
        lock.withLock {
            guard queues[key] == nil else { return false }
            queues[key] = []
            return true
        }
    }

    /// Hands the key to the longest waiter, if any.
    private func release(_ key: String) {
        let next: CheckedContinuation<Void, Never>? = lock.withLock {
            guard var waiters = queues[key], !waiters.isEmpty else {
                queues[key] = nil
                return nil
            }
            let next = waiters.removeFirst()
            queues[key] = waiters
            return next
        }
        next?.resume()
    }
}
