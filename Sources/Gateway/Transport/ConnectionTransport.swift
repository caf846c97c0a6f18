import NIOCore

extension ClientConnection {
    /// How to put one JSON object on the wire, and how to end the connection.
    ///
    /// The channel and its framing, not closures over the channel: each closure was an
    /// allocation of its own on every connection, idle ones included.
    struct Transport: Sendable {
        enum Framing: Sendable {
            /// One text frame per JSON object.
            case webSocket
            /// One line per JSON object.
            case ndjson
        }

        let channel: any Channel
        let framing: Framing

        /// The loop the channel lives on.
        var eventLoop: any EventLoop { channel.eventLoop }

        /// Writes and flushes, from any thread.
        func write(_ json: ByteBuffer) {
            switch framing {
            case .webSocket: channel.writeAndFlush(WebSocketConnectionHandler.frame(json), promise: nil)
            case .ndjson: channel.writeAndFlush(NDJSONConnectionHandler.line(json), promise: nil)
            }
        }

        /// Queues a write without flushing; only on ``eventLoop``.
        func queue(_ json: ByteBuffer) {
            switch framing {
            case .webSocket: channel.write(WebSocketConnectionHandler.frame(json), promise: nil)
            case .ndjson: channel.write(NDJSONConnectionHandler.line(json), promise: nil)
            }
        }

        /// Flushes what was queued; only on ``eventLoop``.
        func flush() {
            channel.flush()
        }

        func close(_ reason: CloseReason) {
            switch framing {
            case .webSocket: WebSocketConnectionHandler.close(channel, for: reason)
            case .ndjson: NDJSONConnectionHandler.close(channel, for: reason)
            }
        }
    }
}
