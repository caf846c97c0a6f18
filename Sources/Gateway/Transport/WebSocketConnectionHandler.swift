import NIOCore
import NIOWebSocket

/// WebSocket messages after NIO's decoder, ``WebSocketFrameValidator`` and NIO's aggregator:
/// text frames carry commands; control frames and protocol violations get the contract's
/// close codes (protocol §1).
///
/// The same handler serves the optional echo endpoint used for conformance testing; only
/// what happens to a complete message differs (``Role``).
final class WebSocketConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// What complete messages are for.
    enum Role {
        /// The chat protocol: text is a command; binary is refused with 1003.
        case chat(ClientConnection)
        /// Conformance testing: every message is sent back as it came.
        case echo
    }

    private let role: Role
    private var closing = false
    /// Pings sent since the client last sent anything.
    private var unansweredPings = 0

    init(role: Role) {
        self.role = role
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        unansweredPings = 0
        guard !closing else { return }
        switch frame.opcode {
        case .text:
            let payload = frame.unmaskedData
            guard String(validating: payload.readableBytesView, as: UTF8.self) != nil else {
                close(context: context, code: .dataInconsistentWithMessage)
                return
            }
            switch role {
            case .chat(let connection): connection.receive(Array(payload.readableBytesView))
            case .echo:
                context.writeAndFlush(
                    wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: payload)), promise: nil)
            }
        case .binary:
            switch role {
            case .chat: close(context: context, code: .unacceptableData)
            case .echo:
                context.writeAndFlush(
                    wrapOutboundOut(WebSocketFrame(fin: true, opcode: .binary, data: frame.unmaskedData)), promise: nil)
            }
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .pong:
            break
        case .connectionClose:
            answerClose(frame.unmaskedData, context: context)
        default:
            close(context: context, code: .protocolError)
        }
    }

    /// Echoes a valid close code (RFC 6455 §7.4), answers 1002 for an invalid one and 1007
    /// for a reason that is not UTF-8, then closes the TCP connection.
    private func answerClose(_ payload: ByteBuffer, context: ChannelHandlerContext) {
        var payload = payload
        let reply: WebSocketErrorCode?
        switch payload.readableBytes {
        case 0:
            reply = nil
        case 1:
            reply = .protocolError
        default:
            let code = payload.readInteger(as: UInt16.self)!
            if !Self.isValidCloseCode(code) {
                reply = .protocolError
            } else if String(validating: payload.readableBytesView, as: UTF8.self) == nil {
                reply = .dataInconsistentWithMessage
            } else {
                reply = WebSocketErrorCode(codeNumber: Int(code))
            }
        }
        closing = true
        var data = context.channel.allocator.buffer(capacity: 2)
        if let reply { data.write(webSocketErrorCode: reply) }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)))
            .whenComplete { _ in channel.close(promise: nil) }
    }

    /// Codes a peer may send: 1000–1003, 1007–1014, and 3000–4999 for applications.
    static func isValidCloseCode(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014, 3000...4999: true
        default: false
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let aggregation = error as? NIOWebSocketFrameAggregator.Error,
            case .accumulatedFrameSizeIsTooLarge = aggregation
        {
            close(context: context, code: .messageTooLarge)
        } else {
            close(context: context, code: .protocolError)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case ChannelEvent.inputClosed:
            if case .chat(let connection) = role {
                connection.finishInput()
                if connection.isClosedByServer { context.close(promise: nil) }
            }
        case IdleStateHandler.IdleStateEvent.read:
            // Silent for an interval: ping; silent for two: drop.
            if unansweredPings > 0 {
                close(context: context, code: .goingAway, reason: .unresponsive)
            } else {
                unansweredPings += 1
                context.writeAndFlush(
                    wrapOutboundOut(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer())), promise: nil)
            }
        default:
            break
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if !context.channel.isWritable { close(context: context, code: .policyViolation, reason: .slowReader) }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .chat(let connection) = role { connection.finishInput() }
        context.fireChannelInactive()
    }

    /// Closes with `code`; a chat connection records `reason` for its metrics.
    private func close(
        context: ChannelHandlerContext, code: WebSocketErrorCode, reason: ClientConnection.CloseReason? = nil
    ) {
        guard !closing else { return }
        closing = true
        if case .chat(let connection) = role, let reason {
            connection.close(reason)
        } else {
            Self.sendClose(code, on: context.channel)
        }
    }

    static func sendClose(_ code: WebSocketErrorCode, on channel: any Channel, lingering: Bool = false) {
        var data = channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: code)
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, data: data)
        if lingering {
            LingeringClose.close(channel, after: frame)
        } else {
            channel.writeAndFlush(frame).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    /// One text frame per JSON object.
    static func frame(_ json: ByteBuffer) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: .text, data: json)
    }

    /// How a WebSocket connection writes: one text frame per JSON object.
    static func transport(for channel: any Channel) -> ClientConnection.Transport {
        ClientConnection.Transport(channel: channel, framing: .webSocket)
    }

    /// How a WebSocket ends when the server closes it: the contract's close code (protocol §1).
    static func close(_ channel: any Channel, for reason: ClientConnection.CloseReason) {
        switch reason {
        case .sessionEnded: sendClose(.normalClosure, on: channel)
        case .shutdown, .unresponsive: sendClose(.goingAway, on: channel)
        case .messageTooLarge: sendClose(.messageTooLarge, on: channel, lingering: true)
        case .flooding: sendClose(.policyViolation, on: channel, lingering: true)
        case .authTimeout, .slowReader: sendClose(.policyViolation, on: channel)
        }
    }
}
