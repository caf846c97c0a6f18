public import ArgumentParser
public import EventStore
import Foundation
import Gateway
public import Logging
import PostgresBackend
import Projections
import ServiceLifecycle

/// `chat-gateway`: the chat server. Every flag has an environment equivalent.
@main
struct ChatGatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat-gateway",
        abstract: "An event-sourced chat server: WebSocket (/ws) and NDJSON over TCP on one port.")

    static let environment = ProcessInfo.processInfo.environment

    @Option(help: "Address to listen on (CHAT_HOST).")
    var host = environment["CHAT_HOST"] ?? "127.0.0.1"

    @Option(help: "Port to listen on; 0 picks a free one (CHAT_PORT).")
    var port = Int(environment["CHAT_PORT"] ?? "") ?? 5000

    @Option(
        help:
            "SQLite database file, created on first start, or a postgres://user[:password]@host[:port]/database URL shared by several gateways (CHAT_DB)."
    )
    var db = environment["CHAT_DB"] ?? "./chat.db"

    @Option(
        help:
            "Master key file wrapping every user's key, created (mode 0600) on first start; default: the SQLite path + .key; required with PostgreSQL, the same file for every gateway (CHAT_KEY_FILE)."
    )
    var keyFile: String?

    @Option(
        help:
            "SQLite only — full: commits survive power loss; normal: survive a crash. PostgreSQL commits with synchronous_commit=on (CHAT_DURABILITY)."
    )
    var durability = Durability(rawValue: environment["CHAT_DURABILITY"] ?? "") ?? .full

    @Option(help: "Largest WebSocket message or NDJSON line in bytes (CHAT_MAX_MESSAGE_BYTES).")
    var maxMessageBytes = Int(environment["CHAT_MAX_MESSAGE_BYTES"] ?? "") ?? 65_536

    @Option(help: "Most open connections (CHAT_MAX_CONNECTIONS).")
    var maxConnections = Int(environment["CHAT_MAX_CONNECTIONS"] ?? "") ?? 10_000

    @Option(help: "Commands per second per connection, on average (CHAT_RATE_LIMIT).")
    var rateLimit = Double(environment["CHAT_RATE_LIMIT"] ?? "") ?? 50

    @Option(help: "Commands a connection may send at once above the average (CHAT_RATE_BURST).")
    var rateBurst = Double(environment["CHAT_RATE_BURST"] ?? "") ?? 100

    @Option(help: "Seconds of silence before a WebSocket is pinged; two close it (CHAT_PING_INTERVAL).")
    var pingInterval = Double(environment["CHAT_PING_INTERVAL"] ?? "") ?? 30

    @Option(help: "Unsent output in bytes after which a slow reader is closed (CHAT_MAX_OUTPUT_BYTES).")
    var maxOutputBytes = Int(environment["CHAT_MAX_OUTPUT_BYTES"] ?? "") ?? 8 << 20

    @Option(
        help:
            "SQLite only: microseconds an append may wait for others to share its fsync while appends keep coming; 0: never (CHAT_COMMIT_DELAY_US)."
    )
    var commitDelayUs = Int(environment["CHAT_COMMIT_DELAY_US"] ?? "") ?? CommitDelay.defaultMicroseconds

    @Option(
        help:
            "A WebSocket echo path on the same pipeline as /ws, for conformance tests; off by default (CHAT_ECHO_PATH)."
    )
    var echoPath: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical (CHAT_LOG_LEVEL).")
    var logLevel = Logger.Level(rawValue: environment["CHAT_LOG_LEVEL"] ?? "") ?? .info

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = logLevel
            return handler
        }
        let logger = Logger(label: "chat-gateway")
        let metrics = GatewayMetrics()
        let keyFile = keyFile ?? Self.environment["CHAT_KEY_FILE"]
        // A SQLite file is served by one process: a second server on it is refused, before
        // the database is opened (or created).
        let servingLock = PostgresURL.isPostgres(db) ? nil : try ServingLock.acquire(for: db)
        let storage: ChatStorage
        if PostgresURL.isPostgres(db) {
            guard let keyFile else { throw PostgresBackendError.keyFileRequired }
            storage = try await ChatStorage.postgres(
                url: PostgresURL(db), keyFile: keyFile,
                configuration: .init(batchObserver: { metrics.recordCommit($0) }), logger: logger)
        } else {
            storage = try await ChatStorage.sqlite(
                path: db, keyFile: keyFile,
                configuration: .init(
                    durability: durability, commitDelayMicroseconds: commitDelayUs,
                    batchObserver: { metrics.recordCommit($0) }))
        }
        let server = GatewayServer(
            configuration: GatewayConfiguration(
                host: host, port: port, maxMessageBytes: maxMessageBytes, maxConnections: maxConnections,
                rateLimit: rateLimit, rateBurst: rateBurst, pingInterval: pingInterval, maxOutputBytes: maxOutputBytes,
                echoPath: echoPath ?? Self.environment["CHAT_ECHO_PATH"]),
            log: storage.log, service: ChatService(storage: storage), metrics: metrics, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: server)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        await storage.close()
        withExtendedLifetime(servingLock) { logger.info("stopped") }
    }
}

extension Durability: ExpressibleByArgument {}
// swift-format-ignore: AvoidRetroactiveConformances
// swift-log does not depend on ArgumentParser; the flag needs the conformance.
extension Logger.Level: @retroactive ExpressibleByArgument {}
