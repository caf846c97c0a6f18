import Foundation

/// Runs blocking `body` (waiting for a child process, say) on a thread of its own and awaits
/// its result: a test must not hold one of the few threads Swift concurrency runs every
/// test's tasks on (two on two cores), or the tests beside it stall past their time limits.
public func onThreadOfItsOwn<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
