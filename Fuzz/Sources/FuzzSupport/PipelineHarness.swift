import NIOCore
import NIOEmbedded

@testable import Gateway

/// Feeds bytes, as a client would send them, through the gateway's real connection pipeline
/// (``ConnectionPipeline``) on an embedded channel. Commands reach their connection's queue
/// and stop there: the fuzz targets are about framing, not about the chat service.
public enum PipelineHarness {
    /// Small limits, so that inputs of a few KB cross them.
    static let configuration = GatewayConfiguration(
        port: 0, maxMessageBytes: 1_024, maxOutputBytes: 16_384, echoPath: "/echo")
    static let metrics = GatewayMetrics()

    /// Splits `bytes` into reads of varying sizes (1, 2, 5, 64 and 700 bytes, in turn), so
    /// that every boundary a TCP read can fall on is met; then closes the client's side.
    /// Returns every byte the server wrote.
    @discardableResult
    public static func run(_ bytes: some Collection<UInt8>) -> [UInt8] {
        let channel = EmbeddedChannel()
        let pipeline = ConnectionPipeline(
            configuration: configuration,
            open: { framing, _, transport in
                ClientConnection(
                    id: "fuzz", framing: framing, transport: transport, flood: FloodControl(rate: 1_000, burst: 1_000),
                    metrics: metrics, engine: nil)
            },
            health: { #"{"status":"ok"}"# },
            metrics: { "" })
        do {
            try channel.pipeline.syncOperations.addHandler(pipeline.sniffer(for: channel))
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        } catch {
            fatalError("cannot set up the embedded channel: \(error)")
        }
        var written = [UInt8]()
        let readSizes = [1, 2, 5, 64, 700]
        var offset = bytes.startIndex
        var turn = 0
        while offset != bytes.endIndex, channel.isActive {
            let end =
                bytes.index(offset, offsetBy: readSizes[turn % readSizes.count], limitedBy: bytes.endIndex)
                ?? bytes.endIndex
            // A handler may close the channel mid-read; later reads are then refused.
            try? channel.writeInbound(ByteBuffer(bytes: bytes[offset..<end]))
            channel.embeddedEventLoop.run()
            drainOutbound(channel, into: &written)
            offset = end
            turn += 1
        }
        if channel.isActive {
            channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            channel.embeddedEventLoop.run()
        }
        drainOutbound(channel, into: &written)
        _ = try? channel.finish(acceptAlreadyClosed: true)
        return written
    }

    /// Whether the sniffer takes `byte` as the start of NDJSON or of an HTTP request.
    public static func startsJSONOrHTTP(_ byte: UInt8) -> Bool {
        switch FramingSniffer.framing(of: byte) {
        case .unknown: false
        case .http, .ndjson: true
        }
    }

    /// A valid WebSocket upgrade request for `path`.
    public static func upgradeRequest(path: String) -> [UInt8] {
        Array(
            ("GET \(path) HTTP/1.1\r\nHost: fuzz\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").utf8)
    }

    private static func drainOutbound(_ channel: EmbeddedChannel, into written: inout [UInt8]) {
        while let buffer = try? channel.readOutbound(as: ByteBuffer.self) {
            written += buffer.readableBytesView
        }
    }
}
