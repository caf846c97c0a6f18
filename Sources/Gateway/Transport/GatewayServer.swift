import Foundation
public import EventStore
public import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
public import ServiceLifecycle

/// The chat gateway: one port, WebSocket (`/ws`) and NDJSON over raw TCP, every command
/// of the protocol, and pushes from the committed log.
///
/// Run it as a `Service`: it binds, serves until graceful shutdown, then stops accepting,
/// lets each connection finish the commands it already sent, closes WebSockets with 1001
/// and returns.
public final class GatewayServer: Service, Sendable {
    public let configuration: GatewayConfiguration
    let log: SQLiteEventLog
    let service: ChatService
    let registry = SessionRegistry()
    let dispatcher: PushDispatcher
    let logger: Logger
    public let metrics: GatewayMetrics
    private let newConnections: AsyncStream<ClientConnection>
    private let connectionSink: AsyncStream<ClientConnection>.Continuation
    private let listening: AsyncStream<Int>.Continuation
    private let listeningPorts: AsyncStream<Int>

    /// - Parameters:
    ///   - metrics: where `/metrics` reads from; give the same object to the log's batch observer.
    public init(
        configuration: GatewayConfiguration, log: SQLiteEventLog, service: ChatService, metrics: GatewayMetrics = GatewayMetrics(),
        logger: Logger
    ) {
        self.metrics = metrics
        self.configuration = configuration
        self.log = log
        self.service = service
        self.logger = logger
        dispatcher = PushDispatcher(
            log: log, registry: registry, recentCapacity: configuration.resumeWindowPushes, logger: logger)
        (newConnections, connectionSink) = AsyncStream.makeStream(of: ClientConnection.self)
        (listeningPorts, listening) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// The bound port, once listening (useful with port `0`).
    public func port() async -> Int? {
        for await port in listeningPorts { return port }
        return nil
    }

    /// Open connections.
    public var connectionCount: Int { registry.connectionCount }

    public func run() async throws {
        let serverChannel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 1024)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // A client may send its commands and close its side: it still gets every answer.
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            // Past the high mark a connection is a slow reader and is closed (§6).
            .childChannelOption(
                .writeBufferWaterMark,
                value: .init(low: configuration.maxOutputBytes / 2, high: configuration.maxOutputBytes))
            .childChannelInitializer { [self] channel in
                guard registry.connectionCount < configuration.maxConnections else {
                    return channel.close()
                }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        FramingSniffer { [self] framing, pipeline in try configure(framing, channel: channel, pipeline: pipeline) })
                }
            }
            .bind(host: configuration.host, port: configuration.port).get()
        let port = serverChannel.localAddress?.port ?? configuration.port
        listening.yield(port)
        listening.finish()
        logger.info("listening", metadata: ["chat.host": "\(configuration.host)", "chat.port": "\(port)"])

        await withDiscardingTaskGroup { outer in
            outer.addTask { [dispatcher, logger] in
                do { try await dispatcher.run() } catch { logger.error("push dispatcher stopped", metadata: ["chat.error": "\(error)"]) }
            }
            await withDiscardingTaskGroup { connections in
                await withGracefulShutdownHandler {
                    for await connection in newConnections {
                        connections.addTask { [service, registry, dispatcher] in
                            await connection.run(service: service, registry: registry, pushes: dispatcher)
                            connection.close(.shutdown)
                        }
                    }
                } onGracefulShutdown: { [self] in
                    logger.info("shutting down")
                    stopAccepting(serverChannel)
                }
                // Also reached when the task is cancelled instead of shut down gracefully.
                stopAccepting(serverChannel)
            }
            // Every connection has answered what it had queued; stop following the log.
            outer.cancelAll()
        }
        try? await serverChannel.closeFuture.get()
    }

    static let routesHandlerName = "chat.http.routes"

    /// A request target without its query.
    static func path(of uri: String) -> String {
        uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? uri
    }

    /// Closes the listening socket and ends every connection's input: each finishes the
    /// commands it already sent, then closes (WebSockets with 1001).
    private func stopAccepting(_ serverChannel: any Channel) {
        serverChannel.close(promise: nil)
        connectionSink.finish()
        for connection in registry.all() { connection.finishInput() }
    }

    /// Builds the pipeline for the framing the first byte chose.
    private func configure(
        _ framing: FramingSniffer.Framing, channel: any Channel, pipeline: ChannelPipeline.SynchronousOperations
    ) throws {
        switch framing {
        case .ndjson:
            let connection = open(.tcp, channel: channel, transport: NDJSONConnectionHandler.transport(for: channel))
            try pipeline.addHandler(ByteToMessageHandler(LineFrameDecoder(maxLineBytes: configuration.maxMessageBytes)))
            try pipeline.addHandler(NDJSONConnectionHandler(connection: connection))
        case .http:
            let routes = HTTPRouteHandler(
                health: { [registry, log] in
                    let head = log.committedHeadPosition
                    return #"{"status":"ok","connections":\#(registry.connectionCount),"position":\#(head)}"#
                },
                metrics: { [metrics] in metrics.render() })
            let limit = configuration.maxMessageBytes
            let echoPath = configuration.echoPath
            let upgrader = NIOWebSocketServerUpgrader(
                maxFrameSize: limit, automaticErrorHandling: true,
                shouldUpgrade: { channel, head in
                    let path = Self.path(of: head.uri)
                    return channel.eventLoop.makeSucceededFuture(path == "/ws" || path == echoPath ? HTTPHeaders() : nil)
                },
                upgradePipelineHandler: { [self] channel, head in
                    channel.eventLoop.makeCompletedFuture {
                        let role: WebSocketConnectionHandler.Role =
                            Self.path(of: head.uri) == "/ws"
                            ? .chat(open(.websocket, channel: channel, transport: WebSocketConnectionHandler.transport(for: channel)))
                            : .echo
                        try channel.pipeline.syncOperations.addHandler(
                            IdleStateHandler(readTimeout: .milliseconds(Int64(configuration.pingInterval * 1000))))
                        try channel.pipeline.syncOperations.addHandler(WebSocketFrameValidator())
                        try channel.pipeline.syncOperations.addHandler(
                            NIOWebSocketFrameAggregator(
                                minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: max(1 << 16, limit),
                                maxAccumulatedFrameSize: limit))
                        try channel.pipeline.syncOperations.addHandler(WebSocketConnectionHandler(role: role))
                    }
                })
            try pipeline.configureHTTPServerPipeline(
                withServerUpgrade: (upgraders: [upgrader], completionHandler: { context in
                    context.pipeline.removeHandler(name: Self.routesHandlerName, promise: nil)
                }))
            try pipeline.addHandler(routes, name: Self.routesHandlerName)
        case .unknown:
            break
        }
    }

    private func open(
        _ framing: ConnectionContext.Framing, channel: any Channel, transport: ClientConnection.Transport
    ) -> ClientConnection {
        let connection = ClientConnection(
            id: UUID().uuidString, framing: framing, transport: transport,
            flood: FloodControl(rate: configuration.rateLimit, burst: configuration.rateBurst), metrics: metrics)
        registry.opened(connection)
        metrics.connectionOpened(framing)
        channel.eventLoop.scheduleTask(in: .milliseconds(Int64(configuration.authTimeout * 1000))) {
            if connection.session == nil { connection.close(.authTimeout) }
        }
        logger.info("connection opened", metadata: ["chat.connection.id": "\(connection.id)", "chat.connection.framing": "\(framing.rawValue)"])
        channel.closeFuture.whenComplete { [registry, logger, metrics] _ in
            registry.closed(connection)
            connection.finishInput()
            let reason = connection.closeReasonLabel
            metrics.connectionClosed(framing, reason: reason)
            logger.info(
                "connection closed",
                metadata: ["chat.connection.id": "\(connection.id)", "chat.connection.framing": "\(framing.rawValue)", "chat.connection.reason": "\(reason)"])
        }
        connectionSink.yield(connection)
        return connection
    }
}
