import ChatTestSupport
import Foundation
import NIOCore
import NIOPosix

/// A test client on a plain socket: it writes exactly the bytes a test gives it, so tests can
/// split requests, send malformed frames, and read raw responses. Server WebSocket frames
/// are parsed here (they are never masked and tests keep them small).
final class RawClient: @unchecked Sendable {
    private let channel: any Channel
    private var iterator: AsyncThrowingStream<ByteBuffer, any Error>.AsyncIterator
    /// Unread bytes. A slice, so that taking a line off the front is O(1): a client far behind
    /// a stream of pushes must not read slower the further behind it is.
    private var buffer: ArraySlice<UInt8> = []
    private(set) var closed = false

    private init(channel: any Channel, inbound: AsyncThrowingStream<ByteBuffer, any Error>) {
        self.channel = channel
        self.iterator = inbound.makeAsyncIterator()
    }

    deinit {
        channel.close(promise: nil)
    }

    static func connect(port: Int) async throws -> RawClient {
        let (inbound, continuation) = AsyncThrowingStream.makeStream(of: ByteBuffer.self)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.allowRemoteHalfClosure, value: true)
            // Bytes are read only when the test asks for more, so a client that stops reading
            // leaves them in the kernel and the server sees a slow reader.
            .channelOption(.autoRead, value: false)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(InboundForwarder(continuation))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawClient(channel: channel, inbound: inbound)
    }

    func write(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    func write(_ text: String) async throws { try await write(Array(text.utf8)) }

    /// Half-closes: no more input from this client.
    func finishWriting() async throws {
        try await channel.close(mode: .output)
    }

    /// Reads more bytes; `false` at end of stream. Tests bound the wait with `.timeLimit`.
    private func fill() async throws -> Bool {
        channel.read()
        guard let next = try await iterator.next() else {
            closed = true
            return false
        }
        buffer.append(contentsOf: next.readableBytesView)
        return true
    }

    /// The next `\n`-terminated line, without the newline; `nil` if the server closed.
    func line() async throws -> String? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer = buffer[(newline + 1)...]
                return line
            }
            guard try await fill() else { return nil }
        }
    }

    /// Reads until the server closes; returns everything left.
    func readToEnd() async throws -> String {
        while try await fill() {}
        defer { buffer.removeAll() }
        return String(decoding: buffer, as: UTF8.self)
    }

    /// Sends a WebSocket upgrade for `path` and reads the 101 response.
    func upgrade(path: String) async throws {
        try await write(
            "GET \(path) HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        let head = try await httpHead()
        guard head.hasPrefix("HTTP/1.1 101") else { throw UpgradeRefused(head: head) }
    }

    struct UpgradeRefused: Error { var head: String }

    /// An HTTP response head, up to the blank line.
    func httpHead() async throws -> String {
        let end = Array("\r\n\r\n".utf8)
        while true {
            if let range = buffer.firstRange(of: end) {
                let head = String(decoding: buffer[..<range.lowerBound], as: UTF8.self)
                buffer = buffer[range.upperBound...]
                return head
            }
            guard try await fill() else { return String(decoding: buffer, as: UTF8.self) }
        }
    }

    // MARK: WebSocket frames

    struct Frame: Equatable {
        var opcode: UInt8
        var payload: [UInt8]
        var text: String { String(decoding: payload, as: UTF8.self) }
        /// The close code of a close frame.
        var closeCode: UInt16? {
            opcode == 0x8 && payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : nil
        }
    }

    /// A client frame: masked unless told otherwise.
    static func frame(opcode: UInt8, payload: [UInt8], fin: Bool = true, masked: Bool = true, rsv1: Bool = false)
        -> [UInt8]
    {
        var out: [UInt8] = [(fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode]
        let maskBit: UInt8 = masked ? 0x80 : 0
        if payload.count < 126 {
            out.append(maskBit | UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            out.append(maskBit | 126)
            out.append(UInt8(payload.count >> 8))
            out.append(UInt8(payload.count & 0xFF))
        } else {
            out.append(maskBit | 127)
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8((payload.count >> shift) & 0xFF)) }
        }
        guard masked else { return out + payload }
        let key: [UInt8] = [0x12, 0x34, 0x56, 0x78]
        out.append(contentsOf: key)
        out.append(contentsOf: payload.enumerated().map { $0.element ^ key[$0.offset % 4] })
        return out
    }

    func sendText(_ text: String) async throws {
        try await write(Self.frame(opcode: 0x1, payload: Array(text.utf8)))
    }

    /// The next server frame; `nil` if the connection closed first.
    func frame() async throws -> Frame? {
        while true {
            if buffer.count >= 2 {
                let base = buffer.startIndex
                let opcode = buffer[base] & 0x0F
                var length = Int(buffer[base + 1] & 0x7F)
                var offset = 2
                if length == 126, buffer.count >= 4 {
                    length = Int(buffer[base + 2]) << 8 | Int(buffer[base + 3])
                    offset = 4
                } else if length == 127, buffer.count >= 10 {
                    length = (2..<10).reduce(0) { $0 << 8 | Int(buffer[base + $1]) }
                    offset = 10
                }
                if length < 126 || offset > 2, buffer.count >= offset + length {
                    let payload = Array(buffer[(base + offset)..<(base + offset + length)])
                    buffer = buffer[(base + offset + length)...]
                    return Frame(opcode: opcode, payload: payload)
                }
            }
            guard try await fill() else { return nil }
        }
    }

    /// The next text frame's JSON, skipping control frames.
    func json() async throws -> [String: Any]? {
        while let frame = try await frame() {
            if frame.opcode == 0x1 {
                return try JSONSerialization.jsonObject(with: Data(frame.payload)) as? [String: Any]
            }
            if frame.opcode == 0x8 { return nil }
        }
        return nil
    }

    func close() async {
        try? await channel.close()
    }
}

/// Hands what a client channel reads to its ``RawClient``: bytes, then the end of the stream
/// (the server closed, or closed its side) or the error that ended it.
private final class InboundForwarder: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    private let continuation: AsyncThrowingStream<ByteBuffer, any Error>.Continuation

    init(_ continuation: AsyncThrowingStream<ByteBuffer, any Error>.Continuation) {
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        continuation.yield(unwrapInboundIn(data))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event { continuation.finish() }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        continuation.finish(throwing: error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }
}
