import EventStore
import PostgresNIO

/// A PostgreSQL failure, described for error messages and logs.
///
/// postgres-nio's errors describe themselves with one generic sentence so that their detail
/// never reaches a log by accident; that leaves an operator (or a failed test) with nothing
/// to go on. This names the SQLSTATE and the server's primary message, or the client's error
/// code and cause — never the detail field, which can quote row values.
struct PostgresFailure: Error, CustomStringConvertible {
    let underlying: any Error

    var description: String {
        guard let error = underlying as? PSQLError else { return "\(underlying)" }
        if let state = error.serverInfo?[.sqlState] {
            return "PostgreSQL error \(state): \(error.serverInfo?[.message] ?? "(no message)")"
        }
        var text = "PostgreSQL client error: \(error.code)"
        if let cause = error.underlying { text += " (\(cause))" }
        return text
    }

    /// Runs `body`; a postgres-nio error it throws becomes ``EventStoreError/storage(_:)``
    /// carrying a legible ``PostgresFailure`` (which the gateway answers as `unavailable`).
    static func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PSQLError {
            throw EventStoreError.storage(PostgresFailure(underlying: error))
        }
    }

    /// `error` as the storage failure an append reports.
    static func storage(_ error: any Error) -> EventStoreError {
        if let error = error as? EventStoreError { return error }
        return .storage(PostgresFailure(underlying: error))
    }
}
