public import Logging
import PostgresNIO

/// After `replay erase-user` on PostgreSQL: the old versions of the rows the erasure changed
/// (the wrapped key, the username, the message text) removed from the tables.
///
/// An UPDATE or DELETE leaves the old row version in the table file until a vacuum reclaims
/// it. `user_keys` is rewritten whole (VACUUM FULL: it is small, and only a rewrite makes
/// sure the destroyed key's bytes are not left in free space); the others are vacuumed in
/// place without blocking the gateways. The server's WAL archive and base backups keep
/// their copies until they expire: that is the operator's retention policy.
public enum PostgresErasureCleanup {
    public static func vacuum(_ url: PostgresURL, logger: Logger = Logger(label: "chat.postgres")) async throws {
        try await PostgresFailure.mapped {
            let connection = try await PostgresConnection.connect(
                configuration: url.connectionConfiguration(), id: 4, logger: logger)
            do {
                try await connection.run("VACUUM FULL user_keys", logger: logger)
                try await connection.run("VACUUM users, messages, sessions", logger: logger)
                try await connection.close()
            } catch {
                try? await connection.close()
                throw error
            }
        }
    }
}
