import NIOCore

/// Raw TCP: each line is a command; each response and push is one line.
final class NDJSONConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = LineFrameDecoder.Line

    private let connection: ClientConnection

    init(connection: ClientConnection) {
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .line(let line):
            guard line.readableBytes > 0 else { return }  // empty lines are ignored
            connection.receive(Array(line.readableBytesView))
        case .tooLong:
            connection.closeAfterAnswers(
                .messageTooLarge,
                farewell: Array(
                    #"{"status":"error","code":"message_too_large","message":"Line exceeds the message size limit"}"#
                        .utf8))
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            // Answer what was sent; the connection closes once its commands are done.
            connection.finishInput()
            if connection.isClosedByServer { context.close(promise: nil) }
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

    /// The JSON and a newline.
    static func line(_ json: ByteBuffer) -> ByteBuffer {
        var line = json
        line.writeInteger(UInt8(ascii: "\n"))
        return line
    }

    /// How a TCP connection writes: the JSON and a newline.
    static func transport(for channel: any Channel) -> ClientConnection.Transport {
        ClientConnection.Transport(channel: channel, framing: .ndjson)
    }

    /// How a TCP connection ends when the server closes it.
    static func close(_ channel: any Channel, for reason: ClientConnection.CloseReason) {
        switch reason {
        case .slowReader, .unresponsive:
            channel.close(promise: nil)
        case .flooding, .messageTooLarge:
            LingeringClose.close(channel, after: ByteBuffer())
        case .sessionEnded, .shutdown, .authTimeout:
            // After what was written before: closing at once would drop writes the
            // socket has not taken yet.
            channel.writeAndFlush(ByteBuffer()).whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
