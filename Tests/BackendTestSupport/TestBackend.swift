public import ChatTestSupport
public import EventStore
import Logging
import PostgresBackend
public import Projections

/// The backends every conformance and end-to-end test runs on.
public enum TestBackend: String, CaseIterable, Sendable {
    case sqlite
    case postgres

    /// Connections per test's pool: the suites run in parallel on one server.
    static let poolSize = 4
    /// How long a command waits for a pooled connection. The gateway's 3 s is for a server
    /// that is down; here the server is up but shared by every suite at once (and slowed
    /// down further by ThreadSanitizer), and a test that waits longer is not broken.
    static let leaseTimeout = Duration.seconds(30)

    /// Where a test's database lives: a file in `directory`, or a fresh PostgreSQL database.
    public func location(in directory: TemporaryDirectory) throws -> String {
        switch self {
        case .sqlite: directory.path("chat.db")
        case .postgres: try TestPostgres.freshDatabase()
        }
    }

    /// The master key file of a test's database.
    public func keyFile(in directory: TemporaryDirectory) -> String { directory.path("chat.key") }

    /// The backend assembled on `location`, as the gateway opens it.
    public func storage(
        at location: String, keyFile: String, batchObserver: (@Sendable (CommitStatistics) -> Void)? = nil
    ) async throws -> ChatStorage {
        switch self {
        case .sqlite:
            try await ChatStorage.sqlite(
                path: location, keyFile: keyFile, configuration: .init(batchObserver: batchObserver))
        case .postgres:
            try await ChatStorage.postgres(
                url: PostgresURL(location), keyFile: keyFile,
                configuration: .init(
                    maximumConnections: Self.poolSize, leaseTimeout: Self.leaseTimeout, batchObserver: batchObserver),
                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        }
    }

    /// A bare log (no projection) on `location`.
    public func log(at location: String, batchObserver: (@Sendable (CommitStatistics) -> Void)? = nil)
        async throws -> any EventLog
    {
        switch self {
        case .sqlite:
            try await SQLiteEventLog.open(path: location, configuration: .init(batchObserver: batchObserver))
        case .postgres:
            try await PostgresEventLog.open(
                url: PostgresURL(location),
                configuration: .init(
                    maximumConnections: Self.poolSize, leaseTimeout: Self.leaseTimeout, batchObserver: batchObserver),
                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        }
    }
}
