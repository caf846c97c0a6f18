import NIOCore

/// Decides a connection's protocol from its first byte (protocol §1) and rebuilds the pipeline.
///
/// A letter starts an HTTP request line; `{` or white space starts NDJSON; anything else is
/// answered with `bad_json` and closed. One byte is enough, so a first read of any size
/// (even one byte of a split request line) decides. A connection that sends nothing is
/// closed after `timeout` (the auth timeout), like one that never authenticates.
final class FramingSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Framing {
        case http
        case ndjson
        case unknown
    }

    private let configure: (Framing, ChannelPipeline.SynchronousOperations) throws -> Void
    private let timeout: TimeAmount
    private var silenceDeadline: Scheduled<Void>?

    init(timeout: TimeAmount, configure: @escaping (Framing, ChannelPipeline.SynchronousOperations) throws -> Void) {
        self.timeout = timeout
        self.configure = configure
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        silenceDeadline = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        silenceDeadline?.cancel()
    }

    static func framing(of byte: UInt8) -> Framing {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"): .http
        case UInt8(ascii: "{"), UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"): .ndjson
        default: .unknown
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return }
        let framing = Self.framing(of: first)
        if case .unknown = framing {
            let line = #"{"status":"error","code":"bad_json","message":"Unrecognised protocol"}"# + "\n"
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: line))).whenComplete { _ in
                channel.close(promise: nil)
            }
            return
        }
        do {
            try configure(framing, context.pipeline.syncOperations)
        } catch {
            context.close(promise: nil)
            return
        }
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
