import BackendTestSupport
import ChatTestSupport
import EventStore
import Foundation
import Gateway
import Keyring
import Logging
import NIOCore
import NIOPosix
import Projections
import ServiceLifecycle

/// A real gateway on a free loopback port with its own database, run by a ServiceGroup so
/// that shutdown takes the same path as SIGTERM.
struct GatewayHarness {
    let directory: TemporaryDirectory
    let storage: ChatStorage
    var log: any EventLog { storage.log }
    let server: GatewayServer
    let group: ServiceGroup
    let running: Task<Void, any Error>
    let port: Int

    /// `logs` captures everything the gateway logs, at every level.
    static func start(
        backend: TestBackend = .sqlite, configuration: GatewayConfiguration = GatewayConfiguration(port: 0),
        logs: CapturedLogs? = nil
    ) async throws -> GatewayHarness {
        let directory = try TemporaryDirectory()
        let metrics = GatewayMetrics()
        let storage = try await backend.storage(
            at: backend.location(in: directory), keyFile: backend.keyFile(in: directory),
            batchObserver: { metrics.recordCommit($0) })
        let logger = logs?.logger() ?? Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let server = GatewayServer(
            configuration: configuration, log: storage.log,
            service: ChatService(storage: storage, configuration: .init(passwordParameters: .fastForTesting)),
            metrics: metrics,
            logger: logger)
        let group = ServiceGroup(services: [server], logger: logger)
        let running = Task { try await group.run() }
        guard let port = await server.port() else { throw TimedOut() }
        return GatewayHarness(
            directory: directory, storage: storage, server: server, group: group, running: running, port: port)
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await running.value
        await storage.close()
    }

    func tcp() async throws -> RawClient { try await RawClient.connect(port: port) }

    func webSocket(path: String = "/ws") async throws -> RawClient {
        let client = try await RawClient.connect(port: port)
        try await client.upgrade(path: path)
        return client
    }
}
