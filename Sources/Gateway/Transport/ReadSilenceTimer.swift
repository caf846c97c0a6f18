import NIOCore

/// Fires `IdleStateHandler.IdleStateEvent.read` once no bytes have arrived for `timeout`,
/// as NIO's `IdleStateHandler` does for reads, but as an inbound handler only.
///
/// `IdleStateHandler` is also an outbound handler, so every push and every flush to every
/// connection passed through it without it having anything to do there: in a room of
/// 1,000 members that was one pipeline step in three on the write path.
final class ReadSilenceTimer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let timeout: TimeAmount
    private var lastRead = NIODeadline.now()
    private var check: Scheduled<Void>?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { schedule(context, at: .now() + timeout) }
    }

    func channelActive(context: ChannelHandlerContext) {
        if check == nil { schedule(context, at: .now() + timeout) }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastRead = .now()
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancel()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancel()
    }

    private func schedule(_ context: ChannelHandlerContext, at deadline: NIODeadline) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        check = context.eventLoop.scheduleTask(deadline: deadline) {
            let (timer, context) = bound.value
            timer.fire(context)
        }
    }

    private func fire(_ context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        let quietUntil = lastRead + timeout
        if quietUntil > .now() {
            // Read since this was scheduled: look again when the new quiet spell would end.
            schedule(context, at: quietUntil)
            return
        }
        context.fireUserInboundEventTriggered(IdleStateHandler.IdleStateEvent.read)
        schedule(context, at: .now() + timeout)
    }

    private func cancel() {
        check?.cancel()
        check = nil
    }
}
