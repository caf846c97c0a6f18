import ArgumentParser
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// The ceiling that WebSocket framing alone allows on this machine: NIO's decoder, the
/// frame aggregator and encoder, and a handler that echoes each text message. No JSON,
/// no persistence, no fan-out — what `chat-gateway` does beyond this is what it costs.
@main
struct EchoServer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat-echo-server",
        abstract: "A minimal WebSocket echo server, the framing ceiling for chat-bench.")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 5100
    @Option(help: "Largest message accepted, in bytes.") var maxMessageBytes = 65_536

    func run() throws {
        let maxMessageBytes = self.maxMessageBytes
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: maxMessageBytes,
            shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(
                        NIOWebSocketFrameAggregator(
                            minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 1_000,
                            maxAccumulatedFrameSize: maxMessageBytes),
                        EchoHandler())
                }
            })
        let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 4_096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline(
                    withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
            }
            .bind(host: host, port: port).wait()
        print("chat-echo-server listening on \(host):\(channel.localAddress?.port ?? port)")
        try channel.closeFuture.wait()
    }
}

/// Echoes text messages, answers pings and completes the close handshake.
final class EchoHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary:
            context.write(
                wrapOutboundOut(WebSocketFrame(fin: true, opcode: frame.opcode, data: frame.unmaskedData)),
                promise: nil)
        case .ping:
            context.write(
                wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)),
                promise: nil)
        case .connectionClose:
            // A flushed write goes out before the close that follows it.
            context.writeAndFlush(
                wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: frame.unmaskedData)),
                promise: nil)
            context.close(promise: nil)
        default:
            break
        }
    }

    // One flush per read batch, as the gateway does.
    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }
}
