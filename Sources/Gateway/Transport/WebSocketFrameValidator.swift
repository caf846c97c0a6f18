import NIOCore
import NIOWebSocket

/// Checks every frame as decoded, before fragments are aggregated (which unmasks them and
/// drops their reserved bits): a client frame must be masked and use no extension bits.
/// Anything else is a protocol error, closed with 1002.
final class WebSocketFrameValidator: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketFrame

    private var failed = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        let frame = unwrapInboundIn(data)
        guard frame.maskKey != nil, !frame.rsv1, !frame.rsv2, !frame.rsv3 else {
            failed = true
            WebSocketConnectionHandler.sendClose(.protocolError, on: context.channel)
            return
        }
        context.fireChannelRead(data)
    }
}
