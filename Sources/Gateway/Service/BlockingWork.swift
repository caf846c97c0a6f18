import Foundation

/// Runs slow CPU work (scrypt) on Dispatch's global pool, so that it blocks neither an
/// event loop nor Swift's cooperative threads.
enum BlockingWork {
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result { try body() })
            }
        }
    }
}
