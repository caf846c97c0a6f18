import NIOCore
import NIOHTTP1

/// Closes a plain HTTP connection whose next request is not complete within `timeout` (the
/// auth timeout): counted from the connection's start, then from each request's end. A
/// client that trickles a request line byte by byte, or idles on keep-alive, cannot hold a
/// socket. Removed when the connection upgrades to a WebSocket, whose own timeouts apply.
final class HTTPRequestDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart

    static let handlerName = "chat.http.deadline"

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        arm(context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .end = unwrapInboundIn(data) { arm(context) }
        context.fireChannelRead(data)
    }

    private func arm(_ context: ChannelHandlerContext) {
        deadline?.cancel()
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    }
}
