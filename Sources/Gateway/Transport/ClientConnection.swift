import ChatDomain
import Foundation
import NIOCore

/// One client, whatever its framing: runs its commands in order, one at a time, and is
/// where responses and pushes are written.
///
/// Commands run on the channel's event loop, in a task started when input arrives at an
/// idle connection and ended when its queue is empty: an idle connection costs no task.
///
/// > Note: `@unchecked Sendable`: mutable state is guarded by `lock`; the channel is
/// > thread-safe for writes.
public final class ClientConnection: @unchecked Sendable {
    /// Why the server closes a connection.
    enum CloseReason: Sendable {
        case sessionEnded
        case shutdown
        case messageTooLarge
        /// Kept sending while rate limited.
        case flooding
        /// Did not authenticate in time.
        case authTimeout
        /// Its unsent output passed the bound.
        case slowReader
        /// Answered nothing for two ping intervals.
        case unresponsive
    }

    /// What runs the commands: the service, and where sessions and pushes are kept.
    struct Engine: Sendable {
        var service: ChatService
        var registry: SessionRegistry
        var pushes: PushDispatcher
        /// Told when this connection's input has been run to its end.
        var drains: ConnectionDrains
    }

    /// What the command loop takes next.
    enum Inbound: Sendable {
        case command([UInt8])
        /// Over the rate limit: answered `rate_limited`, in order, without running.
        case refused([UInt8])
        /// The last entry: `farewell` (if any) is written after every answer before it, then
        /// the connection closes.
        case close(CloseReason, farewell: [UInt8]?)
    }

    let id: String
    let framing: ConnectionContext.Framing
    private let transport: Transport
    private let lock = NSLock()
    private var currentSession: AuthenticatedSession?
    /// The last push written; live pushes at or before it are duplicates.
    private var deliveredUpTo = PushOrder(position: 0, ordinal: Int.max)
    /// While replaying history for `auth` with `since`, live pushes wait here.
    private var heldDuringResume: [(ByteBuffer, PushOrder?)]?
    private var flood: FloodControl
    /// Cleared when the connection is to close after the answers it owes: what arrives after
    /// that is not read.
    private var acceptsInput = true
    /// Why the server closed it; `nil` while open or when the client closed.
    private var serverCloseReason: CloseReason?
    /// Closes the connection if it is not authenticated in time; cancelled once it is.
    private var authDeadline: Scheduled<Void>?
    /// Pushes were queued and not yet flushed. Only touched on the event loop, so unlocked.
    private var awaitsFlush = false
    let metrics: GatewayMetrics
    private var inbound = CommandQueue<Inbound>()
    /// `nil` only where nothing must run (the fuzz targets): input is then dropped.
    private let engine: Engine?
    private let executor: EventLoopTaskExecutor

    /// With an `engine`, call `engine.drains.begin()` first: the connection ends it.
    init(
        id: String, framing: ConnectionContext.Framing, transport: Transport, flood: FloodControl,
        metrics: GatewayMetrics, engine: Engine?
    ) {
        self.metrics = metrics
        self.id = id
        self.framing = framing
        self.transport = transport
        self.flood = flood
        self.engine = engine
        executor = EventLoopTaskExecutor(transport.eventLoop)
    }

    var session: AuthenticatedSession? { lock.withLock { currentSession } }

    /// Closes the connection unless it authenticates within `timeout` (protocol §7). The timer
    /// is cancelled on authentication, so that an idle session holds none.
    func closeUnlessAuthenticated(within timeout: TimeAmount) {
        let deadline = eventLoop.scheduleTask(in: timeout) { [weak self] in
            guard let self, self.session == nil else { return }
            self.close(.authTimeout)
        }
        lock.withLock { authDeadline = deadline }
    }

    /// Records the session (caller holds the lock).
    private func authenticate(as session: AuthenticatedSession) {
        currentSession = session
        authDeadline?.cancel()
        authDeadline = nil
    }

    /// Queues one line or text frame for execution after the ones before it, unless the
    /// connection is over its rate.
    func receive(_ message: [UInt8]) {
        let verdict: FloodControl.Verdict? = lock.withLock {
            guard acceptsInput else { return nil }
            let verdict = flood.admit()
            if verdict == .disconnect { acceptsInput = false }
            return verdict
        }
        switch verdict {
        case nil: return
        case .allow: enqueue(.command(message))
        case .refuse: enqueue(.refused(message))
        case .disconnect:
            // Everything admitted before this is still executed and answered (protocol §7): the
            // client must learn what the server did before the close.
            enqueue(.refused(message))
            enqueue(.close(.flooding, farewell: nil))
            finishInput()
        }
    }

    /// Stops reading, and closes for `reason` once the commands already received are
    /// answered, after writing `farewell`.
    func closeAfterAnswers(_ reason: CloseReason, farewell: [UInt8]? = nil) {
        let first: Bool = lock.withLock {
            defer { acceptsInput = false }
            return acceptsInput
        }
        guard first else { return }
        enqueue(.close(reason, farewell: farewell))
        finishInput()
    }

    /// No more input: once the commands already queued are answered, the connection closes.
    func finishInput() {
        guard engine != nil else { return }
        if lock.withLock({ inbound.finish() }) { startRunner() }
    }

    private func enqueue(_ entry: Inbound) {
        guard engine != nil else { return }
        if lock.withLock({ inbound.enqueue(entry) }) { startRunner() }
    }

    private func startRunner() {
        guard let engine else { return }
        Task(executorPreference: executor) { await self.runQueued(engine) }
    }

    func send(_ json: ByteBuffer) {
        transport.write(json)
    }

    func send(_ json: [UInt8]) {
        send(ByteBuffer(bytes: json))
    }

    /// Writes a push unless it was already delivered; holds it while a resume is replaying.
    /// `order` is `nil` for `typing`, which is never replayed.
    func push(_ bytes: ByteBuffer, at order: PushOrder?) {
        let write: Bool = lock.withLock {
            if heldDuringResume != nil {
                heldDuringResume!.append((bytes, order))
                return false
            }
            return advance(to: order)
        }
        if write {
            send(bytes)
            metrics.pushSent()
        }
    }

    var eventLoop: any EventLoop { transport.eventLoop }

    /// ``push(_:at:)`` for the push dispatcher's batches: on the event loop, and without a
    /// flush, so that a batch costs one flush per connection. Returns whether it wrote; the
    /// caller counts what it wrote.
    func queuePush(_ bytes: ByteBuffer, at order: PushOrder?) -> Bool {
        let write: Bool = lock.withLock {
            if heldDuringResume != nil {
                heldDuringResume!.append((bytes, order))
                return false
            }
            return advance(to: order)
        }
        if write { transport.queue(bytes) }
        return write
    }

    /// Whether this is the first push queued since the last flush (so the caller flushes it
    /// once without keeping a set); on the event loop.
    func markForFlush() -> Bool {
        guard !awaitsFlush else { return false }
        awaitsFlush = true
        return true
    }

    /// Sends the pushes queued by ``queuePush(_:at:)``; on the event loop.
    func flushQueuedPushes() {
        awaitsFlush = false
        transport.flush()
    }

    /// Whether a push at `order` is new, recording it as delivered (caller holds the lock).
    private func advance(to order: PushOrder?) -> Bool {
        guard let order else { return true }
        guard order > deliveredUpTo else { return false }
        deliveredUpTo = order
        return true
    }

    /// Starts holding live pushes; history after `since` is written by the caller.
    func beginResume(after since: Int64) {
        lock.withLock {
            deliveredUpTo = PushOrder(position: since, ordinal: Int.max)
            heldDuringResume = []
        }
    }

    /// Writes the replayed history, then what arrived live meanwhile, without duplicates.
    func finishResume(replaying history: [PushDispatcher.PlannedPush]) {
        for push in history {
            deliverReplayed(push.bytes, at: PushOrder(position: push.position, ordinal: push.ordinal))
        }
        while true {
            let held: [(ByteBuffer, PushOrder?)] = lock.withLock {
                let held = heldDuringResume ?? []
                heldDuringResume = held.isEmpty ? nil : []
                return held
            }
            if held.isEmpty { return }
            for (bytes, order) in held { deliverReplayed(bytes, at: order) }
        }
    }

    private func deliverReplayed(_ bytes: ByteBuffer, at order: PushOrder?) {
        if lock.withLock({ advance(to: order) }) {
            send(bytes)
            metrics.pushSent()
        }
    }

    func close(_ reason: CloseReason) {
        lock.withLock { if serverCloseReason == nil { serverCloseReason = reason } }
        transport.close(reason)
    }

    /// Whether the server has decided to close it.
    var isClosedByServer: Bool { lock.withLock { serverCloseReason != nil } }

    /// The reason label of `chat_connections_closed_total`.
    var closeReasonLabel: String {
        guard let reason = lock.withLock({ serverCloseReason }) else { return "client" }
        switch reason {
        case .shutdown: return "shutdown"
        case .sessionEnded: return "session_ended"
        case .messageTooLarge: return "message_too_large"
        case .flooding: return "flooding"
        case .authTimeout: return "auth_timeout"
        case .slowReader: return "slow_reader"
        case .unresponsive: return "unresponsive"
        }
    }

    /// Executes queued commands in order until the queue is empty.
    private func runQueued(_ engine: Engine) async {
        while true {
            switch lock.withLock({ inbound.next() }) {
            case .idle:
                return
            case .end:
                // A close the server already began (flooding, too large) must not be cut short.
                if !isClosedByServer { close(.shutdown) }
                engine.drains.end()
                return
            case .run(.command(let bytes)):
                await execute(bytes, engine)
            case .run(.refused(let bytes)):
                let requestID = CommandParser.parse(bytes).requestID
                send(ReplyEncoder.error(ChatError(.rateLimited, "Too many commands; slow down"), requestID: requestID))
                metrics.command("refused", result: ErrorCode.rateLimited.rawValue, nanoseconds: 0)
            case .run(.close(let reason, let farewell)):
                // Nothing follows: the input was finished when this was queued.
                if let farewell { send(farewell) }
                close(reason)
            }
        }
    }

    private func execute(_ message: [UInt8], _ engine: Engine) async {
        let context = ConnectionContext(connectionID: id, framing: framing, session: session)
        let started = ContinuousClock.now
        let reply = await engine.service.handle(message, context: context)
        let elapsed = (ContinuousClock.now - started).components
        metrics.command(
            reply.commandType, result: reply.result,
            nanoseconds: elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000)
        if case .authenticated(let session, let since?)? = reply.effect {
            await resume(session, after: since, response: reply.response, pushes: engine.pushes)
            return
        }
        if let effect = reply.effect { apply(effect, registry: engine.registry, pushes: engine.pushes) }
        send(reply.response)
    }

    /// `auth` with `since`: the ok response, then every push missed after `since` in log
    /// order, then live pushes, with no gap and no duplicate (protocol §6).
    private func resume(_ session: AuthenticatedSession, after since: Int64, response: [UInt8], pushes: PushDispatcher)
        async
    {
        lock.withLock { authenticate(as: session) }
        let history: [PushDispatcher.PlannedPush]
        do {
            history = try await pushes.resume(self, user: session.userID, after: since)
        } catch {
            // Without its history the connection cannot keep the no-gap promise.
            send(response)
            close(.shutdown)
            return
        }
        // On the event loop, where batched live pushes are written too: the history and the
        // held pushes go out before any live push that follows.
        try? await eventLoop.submit {
            self.send(response)
            self.finishResume(replaying: history)
        }.get()
    }

    private func apply(_ effect: SessionEffect, registry: SessionRegistry, pushes: PushDispatcher) {
        switch effect {
        case .authenticated(let session, _):
            lock.withLock { authenticate(as: session) }
            registry.authenticated(self, as: session.userID)
        case .loggedOut:
            // Other connections with the token are closed when the log's session_ended event
            // reaches the push dispatcher; this one stays open, unauthenticated.
            if let user = lock.withLock({ () -> UserID? in
                defer { currentSession = nil }
                return currentSession?.userID
            }) {
                registry.deauthenticated(self, user: user)
            }
        case .typing(let chatID, let from, let to):
            pushes.typing(chatID: chatID, from: from, to: to, except: self)
        }
    }
}

/// Where a push stands in the log: its event's position, then its place among that event's
/// pushes. Deliveries to a connection only move forward in this order.
struct PushOrder: Comparable, Sendable {
    var position: Int64
    var ordinal: Int

    static func < (lhs: PushOrder, rhs: PushOrder) -> Bool {
        (lhs.position, lhs.ordinal) < (rhs.position, rhs.ordinal)
    }
}
