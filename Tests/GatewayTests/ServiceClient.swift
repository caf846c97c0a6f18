import ChatTestSupport
import Foundation
import Gateway
import Projections

/// A `ChatService` driven as clients drive it, without sockets: a line in, the reply
/// decoded, a login's session kept in the caller's context.
struct ServiceClient {
    let service: ChatService

    init(storage: ChatStorage) {
        service = ChatService(storage: storage, configuration: .init(passwordParameters: .fastForTesting))
    }

    func send(_ line: String, as context: ConnectionContext) async throws -> [String: Any] {
        let reply = await service.handle(Array(line.utf8), context: context)
        return try json(String(decoding: reply.response, as: UTF8.self))
    }

    /// Registers `name` and logs them in on a context of their own.
    func user(_ name: String) async throws -> (context: ConnectionContext, id: String) {
        var context = ConnectionContext(connectionID: name, framing: .tcp)
        let registered = try await send(
            #"{"type":"register","username":"\#(name)","password":"password-1"}"#, as: context)
        let reply = await service.handle(
            Array(#"{"type":"login","username":"\#(name)","password":"password-1"}"#.utf8), context: context)
        if case .authenticated(let session, _)? = reply.effect { context.session = session }
        return (context, try registered.field("user_id", as: String.self))
    }
}
