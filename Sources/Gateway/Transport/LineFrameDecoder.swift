import NIOCore

/// Splits NDJSON input into lines (without `\n` or a `\r` before it), refusing a line longer
/// than the message limit.
struct LineFrameDecoder: ByteToMessageDecoder {
    enum Line {
        case line(ByteBuffer)
        /// The limit was crossed: the connection answers `message_too_large` and closes.
        case tooLong
    }

    typealias InboundOut = Line

    let maxLineBytes: Int
    /// Bytes already searched for a newline, so a long line is not rescanned on every read.
    private var scanned = 0
    private var refused = false

    init(maxLineBytes: Int) {
        self.maxLineBytes = maxLineBytes
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard !refused else {
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return .needMoreData
        }
        let view = buffer.readableBytesView
        guard let newline = view[(view.startIndex + scanned)...].firstIndex(of: UInt8(ascii: "\n")) else {
            scanned = view.count
            if view.count > maxLineBytes { refuse(context: context, buffer: &buffer) }
            return .needMoreData
        }
        let length = newline - view.startIndex
        scanned = 0
        guard length <= maxLineBytes + 1 else {
            refuse(context: context, buffer: &buffer)
            return .needMoreData
        }
        var line = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        if line.getInteger(at: line.writerIndex - 1, as: UInt8.self) == UInt8(ascii: "\r") {
            line.moveWriterIndex(to: line.writerIndex - 1)
        }
        guard line.readableBytes <= maxLineBytes else {
            refuse(context: context, buffer: &buffer)
            return .needMoreData
        }
        context.fireChannelRead(wrapInboundOut(.line(line)))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        // A last line without its newline is still a line.
        if !refused, buffer.readableBytes > 0, buffer.readableBytes <= maxLineBytes {
            let line = buffer.readSlice(length: buffer.readableBytes)!
            context.fireChannelRead(wrapInboundOut(.line(line)))
        }
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .needMoreData
    }

    private mutating func refuse(context: ChannelHandlerContext, buffer: inout ByteBuffer) {
        refused = true
        buffer.moveReaderIndex(to: buffer.writerIndex)
        context.fireChannelRead(wrapInboundOut(.tooLong))
    }
}
