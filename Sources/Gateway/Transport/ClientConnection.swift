public import ChatDomain
import Foundation
import NIOCore

/// One client, whatever its framing: runs its commands in order, one at a time, and is
/// where responses and pushes are written.
///
/// > Note: `@unchecked Sendable`: `session` and `closing` are guarded by `lock`; the
/// > channel is thread-safe for writes.
public final class ClientConnection: @unchecked Sendable {
    /// How to put one JSON object on the wire, and how to end the connection.
    struct Transport: Sendable {
        var write: @Sendable (_ json: ByteBuffer) -> Void
        var close: @Sendable (_ reason: CloseReason) -> Void
    }

    /// Why the server closes a connection.
    enum CloseReason: Sendable {
        case sessionEnded
        case shutdown
        case messageTooLarge
    }

    let id: String
    let framing: ConnectionContext.Framing
    private let transport: Transport
    private let lock = NSLock()
    private var currentSession: AuthenticatedSession?
    private let inbound: AsyncStream<[UInt8]>.Continuation
    private let commands: AsyncStream<[UInt8]>

    init(id: String, framing: ConnectionContext.Framing, transport: Transport) {
        self.id = id
        self.framing = framing
        self.transport = transport
        (commands, inbound) = AsyncStream.makeStream(of: [UInt8].self)
    }

    var session: AuthenticatedSession? { lock.withLock { currentSession } }

    /// Queues one line or text frame for execution after the ones before it.
    func receive(_ message: [UInt8]) {
        inbound.yield(message)
    }

    /// No more input: ends ``run(service:registry:)`` after the commands already queued.
    func finishInput() {
        inbound.finish()
    }

    func send(_ json: ByteBuffer) {
        transport.write(json)
    }

    func send(_ json: [UInt8]) {
        send(ByteBuffer(bytes: json))
    }

    func close(_ reason: CloseReason) {
        transport.close(reason)
    }

    /// Executes commands in the order received until the input ends.
    func run(service: ChatService, registry: SessionRegistry, pushes: PushDispatcher) async {
        for await message in commands {
            let context = ConnectionContext(connectionID: id, framing: framing, session: session)
            let reply = await service.handle(message, context: context)
            if let effect = reply.effect { apply(effect, registry: registry, pushes: pushes) }
            send(reply.response)
        }
    }

    private func apply(_ effect: SessionEffect, registry: SessionRegistry, pushes: PushDispatcher) {
        switch effect {
        case .authenticated(let session, _):
            lock.withLock { currentSession = session }
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
