import NIOCore

/// Pushes for many connections, grouped by the event loop each connection lives on, so
/// that a batch costs one task per loop and one flush per connection instead of a
/// cross-thread write per push.
struct OutgoingPushes {
    private struct Push: Sendable {
        var connection: ClientConnection
        var bytes: ByteBuffer
        var order: PushOrder
    }

    private var byLoop: [ObjectIdentifier: (loop: any EventLoop, pushes: [Push])] = [:]

    mutating func add(_ bytes: ByteBuffer, at order: PushOrder, to connection: ClientConnection) {
        let loop = connection.eventLoop
        byLoop[ObjectIdentifier(loop), default: (loop, [])].pushes.append(
            Push(connection: connection, bytes: bytes, order: order))
    }

    /// Writes every push on its connection's loop, in the order added, then flushes each
    /// connection written to once; counted once per loop, not per delivery.
    func send(metrics: GatewayMetrics) {
        for (loop, pushes) in byLoop.values {
            loop.execute {
                var written: [ClientConnection] = []
                var count = 0
                for push in pushes where push.connection.queuePush(push.bytes, at: push.order) {
                    count += 1
                    if push.connection.markForFlush() { written.append(push.connection) }
                }
                for connection in written { connection.flushQueuedPushes() }
                metrics.pushesWritten(count)
            }
        }
    }
}
