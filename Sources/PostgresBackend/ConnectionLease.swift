import EventStore
import Foundation
import PostgresNIO

/// The server could not be reached within the lease timeout.
public struct DatabaseUnreachable: Error, CustomStringConvertible {
    public var description: String { "no connection to PostgreSQL within the lease timeout" }
}

extension PostgresClient {
    /// Runs `body` on a pooled connection, giving up if none is leased within `timeout`.
    ///
    /// While the server is down the pool waits for it indefinitely; a command must answer
    /// `unavailable` instead. Only the wait for a connection is bounded: once `body` runs it
    /// is not abandoned, since a transaction cut off mid-commit could not be told apart
    /// from one that failed.
    func withConnection<T: Sendable>(
        leaseTimeout timeout: Duration, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let leased = LeaseFlag()
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await self.withConnection { connection in
                    leased.set()
                    return try await body(connection)
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                if leased.isSet { return nil }
                throw EventStoreError.storage(DatabaseUnreachable())
            }
            while let result = try await group.next() {
                if let value = result {
                    group.cancelAll()
                    return value
                }
            }
            throw EventStoreError.storage(DatabaseUnreachable())
        }
    }
}

/// Set once the connection is leased. `@unchecked Sendable`: guarded by `lock`.
private final class LeaseFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
