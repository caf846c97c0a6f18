import NIOCore
import NIOHTTP1
import NIOWebSocket

/// Every handler a connection passes through, from its first byte to a command or an echo:
/// the sniffer, then either NDJSON lines or HTTP with the WebSocket upgrade, frame
/// validation and aggregation.
///
/// Kept apart from ``GatewayServer`` so the fuzz targets drive exactly this pipeline on an
/// embedded channel.
struct ConnectionPipeline: Sendable {
    let configuration: GatewayConfiguration
    /// Registers a chat connection on `channel` (its commands run elsewhere).
    let open: @Sendable (ConnectionContext.Framing, any Channel, ClientConnection.Transport) -> ClientConnection
    /// The bodies of `GET /health` and `GET /metrics`.
    let health: @Sendable () -> String
    let metrics: @Sendable () -> String

    static let routesHandlerName = "chat.http.routes"

    /// A request target without its query.
    static func path(of uri: String) -> String {
        uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? uri
    }

    /// How long a connection may take to send its first byte, and a plain HTTP client its
    /// next request.
    private var authTimeout: TimeAmount { .milliseconds(Int64(configuration.authTimeout * 1000)) }

    /// The first handler of a new connection; it installs the rest on the first byte.
    func sniffer(for channel: any Channel) -> FramingSniffer {
        FramingSniffer(timeout: authTimeout) { framing, pipeline in
            try configure(framing, channel: channel, pipeline: pipeline)
        }
    }

    /// Builds the pipeline for the framing the first byte chose.
    func configure(
        _ framing: FramingSniffer.Framing, channel: any Channel, pipeline: ChannelPipeline.SynchronousOperations
    ) throws {
        switch framing {
        case .ndjson:
            let connection = open(.tcp, channel, NDJSONConnectionHandler.transport(for: channel))
            try pipeline.addHandler(ByteToMessageHandler(LineFrameDecoder(maxLineBytes: configuration.maxMessageBytes)))
            try pipeline.addHandler(NDJSONConnectionHandler(connection: connection))
        case .http:
            try pipeline.configureHTTPServerPipeline(
                withServerUpgrade: (
                    upgraders: [webSocketUpgrader()],
                    completionHandler: { context in
                        context.pipeline.removeHandler(name: HTTPRequestDeadline.handlerName, promise: nil)
                        context.pipeline.removeHandler(name: Self.routesHandlerName, promise: nil)
                    }
                ))
            try pipeline.addHandler(HTTPRequestDeadline(timeout: authTimeout), name: HTTPRequestDeadline.handlerName)
            try pipeline.addHandler(HTTPRouteHandler(health: health, metrics: metrics), name: Self.routesHandlerName)
        case .unknown:
            break
        }
    }

    private func webSocketUpgrader() -> NIOWebSocketServerUpgrader {
        let limit = configuration.maxMessageBytes
        let echoPath = configuration.echoPath
        return NIOWebSocketServerUpgrader(
            maxFrameSize: limit, automaticErrorHandling: true,
            shouldUpgrade: { channel, head in
                let path = Self.path(of: head.uri)
                return channel.eventLoop.makeSucceededFuture(path == "/ws" || path == echoPath ? HTTPHeaders() : nil)
            },
            upgradePipelineHandler: { [self] channel, head in
                channel.eventLoop.makeCompletedFuture {
                    let role: WebSocketConnectionHandler.Role =
                        Self.path(of: head.uri) == "/ws"
                        ? .chat(open(.websocket, channel, WebSocketConnectionHandler.transport(for: channel)))
                        : .echo
                    let handlers = channel.pipeline.syncOperations
                    try handlers.addHandler(
                        ReadSilenceTimer(timeout: .milliseconds(Int64(configuration.pingInterval * 1000))))
                    try handlers.addHandler(WebSocketFrameValidator())
                    try handlers.addHandler(
                        NIOWebSocketFrameAggregator(
                            minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: max(1 << 16, limit),
                            maxAccumulatedFrameSize: limit))
                    try handlers.addHandler(WebSocketConnectionHandler(role: role))
                }
            })
    }
}
