import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// Opens connections to a chat server (or the echo server) in either framing.
struct Connector: Sendable {
    var host: String
    var port: Int
    var framing: Framing
    var path = "/ws"

    /// Connects and, for WebSocket, completes the upgrade. `sourceAddress` binds the local
    /// end, so that more connections than one address has ports can be opened.
    func connect(on loop: any EventLoop, from sourceAddress: String? = nil) -> EventLoopFuture<BenchConnection> {
        let attempt = ConnectAttempt(promise: loop.makePromise())
        let framing = self.framing
        let host = self.host
        let path = self.path
        var bootstrap = ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                let connection = BenchConnection(channel: channel, framing: framing)
                switch framing {
                case .tcp:
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers(
                            ByteToMessageHandler(LineBasedFrameDecoder()),
                            LineMessageHandler(connection: connection))
                        attempt.succeed(connection)
                    }
                case .ws:
                    let upgrader = NIOWebSocketClientUpgrader(
                        maxFrameSize: 1 << 24,
                        upgradePipelineHandler: { channel, _ in
                            channel.eventLoop.makeCompletedFuture {
                                // Its job is done; frames must not reach it.
                                let requester = try channel.pipeline.syncOperations.context(
                                    handlerType: UpgradeRequester.self)
                                channel.pipeline.syncOperations.removeHandler(context: requester, promise: nil)
                                try channel.pipeline.syncOperations.addHandler(
                                    WebSocketMessageHandler(connection: connection))
                                attempt.succeed(connection)
                            }
                        })
                    let upgrade: NIOHTTPClientUpgradeSendableConfiguration = (
                        upgraders: [upgrader], completionHandler: { _ in }
                    )
                    return channel.pipeline.addHTTPClientHandlers(withClientUpgrade: upgrade).flatMapThrowing {
                        try channel.pipeline.syncOperations.addHandler(
                            UpgradeRequester(host: host, path: path, attempt: attempt))
                    }
                }
            }
        if let sourceAddress {
            do {
                bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: sourceAddress, port: 0))
            } catch {
                return loop.makeFailedFuture(error)
            }
        }
        bootstrap.connect(host: host, port: port).whenFailure { attempt.fail($0) }
        return attempt.promise.futureResult
    }
}

/// Completes a connection's promise exactly once, from whichever of success, error or
/// close comes first. Used only on the connection's event loop.
final class ConnectAttempt: @unchecked Sendable {
    let promise: EventLoopPromise<BenchConnection>
    private var completed = false

    init(promise: EventLoopPromise<BenchConnection>) { self.promise = promise }

    func succeed(_ connection: BenchConnection) {
        guard !completed else { return }
        completed = true
        promise.succeed(connection)
    }

    func fail(_ error: any Error) {
        promise.futureResult.eventLoop.execute {
            guard !self.completed else { return }
            self.completed = true
            self.promise.fail(error)
        }
    }
}

/// Sends the upgrade request once connected; fails the attempt if the server refuses.
private final class UpgradeRequester: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    let host: String
    let path: String
    let attempt: ConnectAttempt

    init(host: String, path: String, attempt: ConnectAttempt) {
        self.host = host
        self.path = path
        self.attempt = attempt
    }

    func channelActive(context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: host)
        headers.add(name: "Content-Length", value: "0")
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    // Reached only when the server answered without upgrading.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        attempt.fail(BenchError.upgradeRefused)
        context.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        attempt.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        attempt.fail(BenchError.connectionClosed)
        context.fireChannelInactive()
    }
}

/// Hands each NDJSON line to the connection.
private final class LineMessageHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    let connection: BenchConnection

    init(connection: BenchConnection) { self.connection = connection }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        connection.received(unwrapInboundIn(data))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.closed()
        context.fireChannelInactive()
    }
}

/// Hands each text frame to the connection; answers pings. The server never fragments.
private final class WebSocketMessageHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    let connection: BenchConnection

    init(connection: BenchConnection) { self.connection = connection }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            connection.received(frame.data)
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.data)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            context.close(promise: nil)
        default:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.closed()
        context.fireChannelInactive()
    }
}
