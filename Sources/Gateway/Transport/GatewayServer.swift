public import EventStore
import Foundation
public import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
public import ServiceLifecycle
import Synchronization

/// The chat gateway: one port, WebSocket (`/ws`) and NDJSON over raw TCP, every command
/// of the protocol, and pushes from the committed log.
///
/// Run it as a `Service`: it binds, serves until graceful shutdown, then stops accepting,
/// lets each connection finish the commands it already sent, closes WebSockets with 1001
/// and returns.
public final class GatewayServer: Service, Sendable {
    public let configuration: GatewayConfiguration
    let log: any EventLog
    let service: ChatService
    let registry = SessionRegistry()
    let dispatcher: PushDispatcher
    /// Accepted sockets not yet closed, chat connections or not (the `--max-connections` bound).
    private let openSockets = Atomic<Int>(0)
    let logger: Logger
    public let metrics: GatewayMetrics
    /// Chat connections whose input is still being run; shutdown waits for them.
    private let drains = ConnectionDrains()
    /// Finished when the server stops accepting.
    private let stopping: AsyncStream<Never>
    private let stop: AsyncStream<Never>.Continuation
    private let isStopping = Atomic<Bool>(false)
    private let listening: AsyncStream<Int>.Continuation
    private let listeningPorts: AsyncStream<Int>

    /// - Parameters:
    ///   - metrics: where `/metrics` reads from; give the same object to the log's batch observer.
    public init(
        configuration: GatewayConfiguration, log: any EventLog, service: ChatService,
        metrics: GatewayMetrics = GatewayMetrics(),
        logger: Logger
    ) {
        self.metrics = metrics
        self.configuration = configuration
        self.log = log
        self.service = service
        self.logger = logger
        dispatcher = PushDispatcher(
            log: log, readModel: service.readModel, typingRelay: service.typingRelay, keyring: service.keyring,
            registry: registry, metrics: metrics, recentCapacity: configuration.resumeWindowPushes, logger: logger)
        service.typingRelay?.observe { [service, dispatcher] chatID, user in
            Task {
                let recipients = await service.typingRecipients(in: chatID, from: user)
                dispatcher.deliverTyping(chatID: chatID, from: user, to: recipients, except: nil)
            }
        }
        (stopping, stop) = AsyncStream.makeStream(of: Never.self)
        (listeningPorts, listening) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// The bound port, once listening (useful with port `0`).
    public func port() async -> Int? {
        for await port in listeningPorts { return port }
        return nil
    }

    /// Open connections.
    public var connectionCount: Int { registry.connectionCount }

    /// Accepted sockets not yet closed, whatever they are.
    var openSocketCount: Int { openSockets.load(ordering: .relaxed) }

    /// The handlers of every accepted connection.
    private var pipeline: ConnectionPipeline {
        ConnectionPipeline(
            configuration: configuration,
            open: { [self] framing, channel, transport in open(framing, channel: channel, transport: transport) },
            health: { [registry, log] in
                #"{"status":"ok","connections":\#(registry.connectionCount),"position":\#(log.committedHeadPosition)}"#
            },
            metrics: { [metrics] in metrics.render() })
    }

    public func run() async throws {
        let pipeline = self.pipeline
        let serverChannel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 1024)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // A channel keeps its receive buffer between reads, idle or not: 512 bytes holds a few
            // commands, and the buffer grows when reads fill it (NIO's default starts at 2 KB).
            .childChannelOption(
                .recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65_536)
            )
            // A client may send its commands and close its side: it still gets every answer.
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            // Past the high mark a connection is a slow reader and is closed (protocol §7).
            .childChannelOption(
                .writeBufferWaterMark,
                value: .init(low: configuration.maxOutputBytes / 2, high: configuration.maxOutputBytes)
            )
            .childChannelInitializer { [self] channel in
                // Every accepted socket counts, whether or not it has said anything yet.
                let open = openSockets.add(1, ordering: .relaxed).newValue
                channel.closeFuture.whenComplete { [self] _ in openSockets.subtract(1, ordering: .relaxed) }
                guard open <= configuration.maxConnections else {
                    return channel.close()
                }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(pipeline.sniffer(for: channel))
                }
            }
            .bind(host: configuration.host, port: configuration.port).get()
        let port = serverChannel.localAddress?.port ?? configuration.port
        listening.yield(port)
        listening.finish()
        logger.info("listening", metadata: ["chat.host": "\(configuration.host)", "chat.port": "\(port)"])

        await withDiscardingTaskGroup { outer in
            outer.addTask { [dispatcher, logger] in
                do { try await dispatcher.run() } catch {
                    logger.error("push dispatcher stopped", metadata: ["chat.error": "\(error)"])
                }
            }
            await withGracefulShutdownHandler {
                for await _ in stopping {}
            } onGracefulShutdown: { [self] in
                logger.info("shutting down")
                stopAccepting(serverChannel)
            }
            // Also reached when the task is cancelled instead of shut down gracefully.
            stopAccepting(serverChannel)
            await drains.waitForAll()
            // Every connection has answered what it had queued; stop following the log.
            outer.cancelAll()
        }
        try? await serverChannel.closeFuture.get()
    }

    /// Closes the listening socket and ends every connection's input: each finishes the
    /// commands it already sent, then closes (WebSockets with 1001).
    private func stopAccepting(_ serverChannel: any Channel) {
        serverChannel.close(promise: nil)
        isStopping.store(true, ordering: .sequentiallyConsistent)
        stop.finish()
        for connection in registry.all() { connection.finishInput() }
    }

    private func open(
        _ framing: ConnectionContext.Framing, channel: any Channel, transport: ClientConnection.Transport
    ) -> ClientConnection {
        drains.begin()
        let connection = ClientConnection(
            id: UUID().uuidString, framing: framing, transport: transport,
            flood: FloodControl(rate: configuration.rateLimit, burst: configuration.rateBurst), metrics: metrics,
            engine: .init(service: service, registry: registry, pushes: dispatcher, drains: drains))
        registry.opened(connection)
        // Accepted as the server stopped: it gets no commands run, only its close.
        if isStopping.load(ordering: .sequentiallyConsistent) { connection.finishInput() }
        metrics.connectionOpened(framing)
        connection.closeUnlessAuthenticated(within: .milliseconds(Int64(configuration.authTimeout * 1000)))
        logger.info(
            "connection opened",
            metadata: ["chat.connection.id": "\(connection.id)", "chat.connection.framing": "\(framing.rawValue)"])
        channel.closeFuture.whenComplete { [registry, logger, metrics] _ in
            registry.closed(connection)
            connection.finishInput()
            let reason = connection.closeReasonLabel
            metrics.connectionClosed(framing, reason: reason)
            logger.info(
                "connection closed",
                metadata: [
                    "chat.connection.id": "\(connection.id)", "chat.connection.framing": "\(framing.rawValue)",
                    "chat.connection.reason": "\(reason)",
                ])
        }
        return connection
    }
}
