import Foundation

/// Counts the connections whose input has not yet been run to its end, so that a graceful
/// shutdown can wait until every command already received is answered.
///
/// > Note: `@unchecked Sendable`: all state is guarded by `lock`.
final class ConnectionDrains: @unchecked Sendable {
    private let lock = NSLock()
    private var active = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func begin() {
        lock.withLock { active += 1 }
    }

    func end() {
        let done: [CheckedContinuation<Void, Never>] = lock.withLock {
            active -= 1
            guard active == 0 else { return [] }
            defer { waiters = [] }
            return waiters
        }
        for waiter in done { waiter.resume() }
    }

    /// Returns once no connection has input left to run.
    func waitForAll() async {
        await withCheckedContinuation { continuation in
            let now: Bool = lock.withLock {
                if active == 0 { return true }
                waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }
}
