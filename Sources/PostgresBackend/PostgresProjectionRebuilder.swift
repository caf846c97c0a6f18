import EventStore
import Foundation
public import Logging
import PostgresNIO
public import Projections

/// `replay rebuild` on PostgreSQL: the read model rebuilt from position 0 while gateways run.
///
/// The new tables are built in the schema `chat_rebuild` (``ReadModelStaging``), in
/// transactions of a bounded number of events; then one transaction takes the head lock
/// (appends wait), applies what was appended meanwhile, drops the live tables and moves the
/// new ones in. Interrupted before that commits, the live read model is untouched; the next
/// rebuild drops the leftovers.
public enum PostgresProjectionRebuilder {
    /// Rebuilds; returns the number of events applied.
    ///
    /// - Parameters:
    ///   - keyFile: the master key file the gateways share; without a user's key, their text
    ///     reads as erased.
    ///   - batchSize: events read and applied at a time; 20 batches make one transaction.
    public static func rebuild(
        url: PostgresURL, keyFile: String, batchSize: Int = 5_000, logger: Logger = Logger(label: "chat.postgres"),
        progress: (ProjectionRebuilder.Progress) throws -> Void = { _ in }
    ) async throws -> Int64 {
        let started = Date()
        let staging = try await ReadModelStaging.connect(
            url: url, keyFile: keyFile, schema: "chat_rebuild", logger: logger)
        let connection = staging.connection
        do {
            let position = try await PostgresFailure.mapped {
                let head =
                    try await connection.firstInt64(
                        "SELECT last_position FROM event_log_head WHERE id = 1", logger: logger) ?? 0
                try await staging.create(local: false)
                var position: Int64 = 0
                var done = false
                while !done {
                    try await connection.transaction(logger: logger) {
                        for _ in 0..<20 {
                            guard let last = try await staging.applyNext(after: position, limit: batchSize).last else {
                                done = true
                                return
                            }
                            position = last.position
                        }
                    }
                    try progress(
                        ProjectionRebuilder.Progress(
                            position: position, head: max(head, position), elapsedSeconds: -started.timeIntervalSinceNow
                        ))
                }
                try await connection.transaction(logger: logger) {
                    // Appends wait from here on: nothing commits between the last event
                    // applied and the swap.
                    try await connection.run(
                        "SELECT 1 FROM event_log_head WHERE id = 1 FOR UPDATE", logger: logger)
                    while let last = try await staging.applyNext(after: position, limit: batchSize).last {
                        position = last.position
                    }
                    try await staging.swapIn()
                }
                return position
            }
            await staging.close()
            return position
        } catch {
            await staging.close()
            throw error
        }
    }
}
