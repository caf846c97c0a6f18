/// Mutual exclusion per key, fair (first come, first served), for async code.
///
/// The service decides and appends one command at a time per chat: concurrent senders to a
/// busy group would otherwise keep invalidating each other's expected version and retry.
/// Conflicts then only come from another process writing the same log.
actor KeyedLock {
    /// A key is held while present; its array holds the waiters in arrival order.
    private var queues: [String: [CheckedContinuation<Void, Never>]] = [:]

    func withLock<T: Sendable>(_ key: String, _ body: @Sendable () async throws -> T) async throws -> T {
        await acquire(key)
        do {
            let result = try await body()
            release(key)
            return result
        } catch {
            release(key)
            throw error
        }
    }

    private func acquire(_ key: String) async {
        guard queues[key] != nil else {
            queues[key] = []
            return
        }
        await withCheckedContinuation { queues[key]!.append($0) }
    }

    private func release(_ key: String) {
        guard var waiters = queues[key], !waiters.isEmpty else {
            queues[key] = nil
            return
        }
        let next = waiters.removeFirst()
        queues[key] = waiters
        next.resume()
    }
}
