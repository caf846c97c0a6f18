import Foundation
import NIOSSL
import PostgresNIO

/// A `postgres://user[:password]@host[:port]/database` URL, as `--db` and `CHAT_DB` take it.
public struct PostgresURL: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String

    /// Whether `--db` names a PostgreSQL database rather than a SQLite file.
    public static func isPostgres(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }

    public init(_ text: String) throws {
        guard Self.isPostgres(text), let components = URLComponents(string: text), let host = components.host,
            !host.isEmpty, let user = components.user, !user.isEmpty
        else { throw PostgresBackendError.malformedURL(Self.redacted(text)) }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty else { throw PostgresBackendError.malformedURL(Self.redacted(text)) }
        self.host = host
        self.port = components.port ?? 5432
        self.username = user.removingPercentEncoding ?? user
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = database
    }

    /// The URL without its password, for messages and logs.
    public var redacted: String { "postgres://\(username)@\(host):\(port)/\(database)" }

    static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? text
    }

    /// Loopback needs no TLS; elsewhere TLS is used when the server offers it.
    var isLoopback: Bool { host == "127.0.0.1" || host == "localhost" || host == "::1" }

    /// What every connection of a gateway runs with: commits durable before they are
    /// acknowledged, and no lock or transaction held for long by a stuck peer.
    static let sessionParameters = [
        ("synchronous_commit", "on"), ("lock_timeout", "10s"), ("statement_timeout", "30s"),
        ("idle_in_transaction_session_timeout", "60s"),
    ]

    func clientConfiguration(maximumConnections: Int) -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database,
            tls: isLoopback ? .disable : .prefer(.makeClientConfiguration()))
        configuration.options.additionalStartupParameters = Self.sessionParameters
        configuration.options.maximumConnections = maximumConnections
        // postgres-nio's 10 s connect timeout stays: it covers the server's startup of a
        // session too, which takes seconds on a loaded machine. While the server is down a
        // command still answers `unavailable` soon: the lease is what is bounded (3 s).
        return configuration
    }

    /// For the connection that listens for notifications.
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database,
            tls: isLoopback ? .disable : .prefer(try NIOSSLContext(configuration: .makeClientConfiguration())))
        configuration.options.additionalStartupParameters = Self.sessionParameters
        return configuration
    }
}
