import Logging
import PostgresNIO

extension PostgresConnection {
    /// Runs `body` in a transaction opened by `begin`, committed when it returns and rolled
    /// back when it throws.
    ///
    /// postgres-nio's `withTransaction` wraps every error in `PostgresTransactionError`; this
    /// rethrows `body`'s own, so that callers tell a projection's refusal, a non-empty import
    /// target or a newer schema from a lost connection.
    func transaction<T>(
        _ begin: PostgresQuery = "BEGIN", logger: Logger, _ body: () async throws -> T
    ) async throws -> T {
        try await run(begin, logger: logger)
        do {
            let value = try await body()
            try await run("COMMIT", logger: logger)
            return value
        } catch {
            _ = try? await query("ROLLBACK", logger: logger)
            throw error
        }
    }

    /// Runs `statement` and reads its rows to the end, where its failure arrives.
    ///
    /// A statement that returns rows (a `SELECT` after data-modifying CTEs, `RETURNING`)
    /// reports its failure after its row description: a caller that does not read the rows
    /// never sees it, and a `COMMIT` after it rolls back without an error. Every statement
    /// whose rows are not wanted goes through here.
    func run(_ statement: PostgresQuery, logger: Logger) async throws {
        for try await _ in try await query(statement, logger: logger) {}
    }

    /// The first column of the first row, `nil` when there is no row.
    func firstInt64(_ statement: PostgresQuery, logger: Logger) async throws -> Int64? {
        for try await value in try await query(statement, logger: logger).decode(Int64.self) { return value }
        return nil
    }

    func firstString(_ statement: PostgresQuery, logger: Logger) async throws -> String? {
        for try await value in try await query(statement, logger: logger).decode(String.self) { return value }
        return nil
    }
}
