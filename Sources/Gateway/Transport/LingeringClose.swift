import NIOCore

/// Closes a connection whose client may still be sending, without losing what was written.
///
/// Closing a socket with unread input makes the kernel answer with a reset, and a reset can
/// discard answers the client has not read yet. So: write `final` after everything before
/// it, shut the output down (the client reads every answer, then end of stream), discard
/// what still arrives, and close for good when the client closes or after ``grace``.
enum LingeringClose {
    static let grace = TimeAmount.seconds(2)

    static func close<Final: Sendable>(_ channel: any Channel, after final: Final) {
        channel.writeAndFlush(final).whenComplete { _ in
            channel.close(mode: .output, promise: nil)
            channel.eventLoop.scheduleTask(in: grace) { channel.close(promise: nil) }
        }
    }
}
