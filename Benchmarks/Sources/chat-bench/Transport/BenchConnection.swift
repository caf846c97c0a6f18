import Foundation
import NIOCore
import NIOWebSocket

/// One client connection, WebSocket or NDJSON. Confined to its event loop: every method
/// and callback runs there, which is why it can be `@unchecked Sendable`.
final class BenchConnection: @unchecked Sendable {
    let channel: any Channel
    let framing: Framing

    /// Receives every server message that is not the answer to a ``request(_:)``.
    var onMessage: (ByteBuffer) -> Void = { _ in }

    private var pendingReplies: [Int: EventLoopPromise<ByteBuffer>] = [:]
    private var nextRequestID = BenchConnection.firstSetupRequestID

    /// Setup requests use ids from here up, so they never collide with load sequence numbers.
    static let firstSetupRequestID = 1 << 50

    init(channel: any Channel, framing: Framing) {
        self.channel = channel
        self.framing = framing
    }

    var eventLoop: any EventLoop { channel.eventLoop }

    /// Queues one JSON object (a frame or a line); `flush()` sends what was queued.
    func write(_ json: ByteBuffer) {
        switch framing {
        case .ws:
            let frame = WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: json)
            channel.write(frame, promise: nil)
        case .tcp:
            var line = json
            line.writeInteger(UInt8(ascii: "\n"))
            channel.write(line, promise: nil)
        }
    }

    func flush() { channel.flush() }

    /// Sends a setup command (without `request_id`; one is added) and returns its answer.
    /// `fields` is the JSON object's body: `"type":"login","username":"a"`.
    func request(_ fields: String) -> EventLoopFuture<ByteBuffer> {
        eventLoop.preconditionInEventLoop()
        let id = nextRequestID
        nextRequestID += 1
        let promise = eventLoop.makePromise(of: ByteBuffer.self)
        pendingReplies[id] = promise
        write(ByteBuffer(string: "{\(fields),\"request_id\":\(id)}"))
        flush()
        return promise.futureResult
    }

    /// Called by the channel handler with each complete server message.
    func received(_ message: ByteBuffer) {
        if !pendingReplies.isEmpty, let id = ReplyScanner.requestID(in: message),
            let promise = pendingReplies.removeValue(forKey: id)
        {
            promise.succeed(message)
            return
        }
        onMessage(message)
    }

    /// Called by the channel handler when the connection ends.
    func closed() {
        let pending = pendingReplies
        pendingReplies = [:]
        for promise in pending.values { promise.fail(BenchError.connectionClosed) }
    }

    func close() {
        channel.close(promise: nil)
    }
}

enum Framing: String, Codable, Sendable {
    case ws, tcp
}

enum BenchError: Error, CustomStringConvertible {
    case connectionClosed
    case upgradeRefused
    case serverError(String)
    case setup(String)

    var description: String {
        switch self {
        case .connectionClosed: "the server closed the connection"
        case .upgradeRefused: "the server refused the WebSocket upgrade"
        case .serverError(let reply): "the server answered an error: \(reply)"
        case .setup(let reason): reason
        }
    }
}
