import NIOCore
import NIOWebSocket

/// WebSocket messages after NIO's decoder, ``WebSocketFrameValidator`` and NIO's
/// aggregator: text frames carry commands;
/// control frames and protocol violations get the contract's close codes (§1).
final class WebSocketConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let connection: ClientConnection
    private var closing = false
    /// Pings sent since the client last sent anything.
    private var unansweredPings = 0

    init(connection: ClientConnection) {
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        unansweredPings = 0
        guard !closing else { return }
        switch frame.opcode {
        case .text:
            let bytes = Array(frame.unmaskedData.readableBytesView)
            guard String(validating: bytes, as: UTF8.self) != nil else {
                close(context: context, code: .dataInconsistentWithMessage)
                return
            }
            connection.receive(bytes)
        case .binary:
            close(context: context, code: .unacceptableData)
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .pong:
            break
        case .connectionClose:
            // Echo the client's code (or none), then close the TCP connection.
            var data = frame.unmaskedData
            let code = data.readInteger(as: UInt16.self)
            closing = true
            var reply = context.channel.allocator.buffer(capacity: 2)
            if let code { reply.writeInteger(code) }
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: reply)))
                .whenComplete { _ in context.close(promise: nil) }
        default:
            close(context: context, code: .protocolError)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let aggregation = error as? NIOWebSocketFrameAggregator.Error, case .accumulatedFrameSizeIsTooLarge = aggregation {
            close(context: context, code: .messageTooLarge)
        } else {
            close(context: context, code: .protocolError)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case ChannelEvent.inputClosed:
            connection.finishInput()
        case IdleStateHandler.IdleStateEvent.read:
            // Silent for an interval: ping; silent for two: drop.
            if unansweredPings > 0 {
                connection.close(.unresponsive)
            } else {
                unansweredPings += 1
                context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer())), promise: nil)
            }
        default:
            break
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if !context.channel.isWritable { connection.close(.slowReader) }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.finishInput()
        context.fireChannelInactive()
    }

    private func close(context: ChannelHandlerContext, code: WebSocketErrorCode) {
        guard !closing else { return }
        closing = true
        Self.sendClose(code, on: context.channel)
    }

    static func sendClose(_ code: WebSocketErrorCode, on channel: any Channel) {
        var data = channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: code)
        channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    /// How a WebSocket connection writes: one text frame per JSON object.
    static func transport(for channel: any Channel) -> ClientConnection.Transport {
        ClientConnection.Transport(
            write: { json in channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .text, data: json), promise: nil) },
            close: { reason in
                switch reason {
                case .sessionEnded: sendClose(.normalClosure, on: channel)
                case .shutdown, .unresponsive: sendClose(.goingAway, on: channel)
                case .messageTooLarge: sendClose(.messageTooLarge, on: channel)
                case .flooding, .authTimeout, .slowReader: sendClose(.policyViolation, on: channel)
                }
            })
    }
}
