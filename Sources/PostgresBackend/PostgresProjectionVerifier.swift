import EventStore
public import Logging
import PostgresNIO
public import Projections

/// `replay verify` on PostgreSQL: the hash chain, then that the read model equals a fresh
/// rebuild — while gateways run, and without changing the database.
///
/// Everything happens in one repeatable-read transaction, which sees the log and the live
/// read model as of one moment (appends update both in one transaction): the rebuild goes
/// into a schema of its own (``ReadModelStaging``), is compared table by table, and the
/// transaction is rolled back, so nothing of it stays.
public enum PostgresProjectionVerifier {
    public static func verify(
        url: PostgresURL, keyFile: String, logger: Logger = Logger(label: "chat.postgres")
    ) async throws -> ProjectionVerifier.Outcome {
        let suffix = String(UInt32.random(in: .min ... .max), radix: 16)
        let staging = try await ReadModelStaging.connect(
            url: url, keyFile: keyFile, schema: "chat_verify_\(suffix)", logger: logger)
        let connection = staging.connection
        do {
            let outcome = try await PostgresFailure.mapped {
                try await connection.run("BEGIN ISOLATION LEVEL REPEATABLE READ", logger: logger)
                do {
                    let outcome = try await replayAndCompare(staging)
                    try await connection.run("ROLLBACK", logger: logger)
                    return outcome
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
            await staging.close()
            return outcome
        } catch {
            await staging.close()
            throw error
        }
    }

    private static func replayAndCompare(_ staging: ReadModelStaging) async throws -> ProjectionVerifier.Outcome {
        try await staging.create(local: true)
        var chain = HashChainVerifier()
        while true {
            let events = try await staging.read(after: chain.lastPosition, limit: 5_000)
            guard !events.isEmpty else { break }
            do {
                for event in events { try chain.check(event) }
            } catch {
                return .brokenChain(error)
            }
            try await staging.apply(events)
        }
        let differing = try await staging.differingTables()
        return differing.isEmpty ? .verified(events: chain.lastPosition) : .projectionsDiffer(tables: differing)
    }
}
