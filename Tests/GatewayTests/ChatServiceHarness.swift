import ChatDomain
import ChatTestSupport
import EventStore
import Foundation
import Gateway
import Keyring
import Projections

/// A service on a fresh database, and a client-side view of its responses.
struct ChatServiceHarness {
    let directory: TemporaryDirectory
    let log: SQLiteEventLog
    let service: ChatService

    static func make() async throws -> ChatServiceHarness {
        let directory = try TemporaryDirectory()
        let keyring = try Keyring.open(databasePath: directory.path("chat.db"))
        let log = try await SQLiteEventLog.open(
            path: directory.path("chat.db"), projection: ChatProjection(keyring: keyring))
        let service = ChatService(
            storage: .sqlite(log: log, keyring: keyring), configuration: .init(passwordParameters: .fastForTesting))
        return ChatServiceHarness(directory: directory, log: log, service: service)
    }

    /// A connection as the gateway keeps it.
    final class Connection: @unchecked Sendable {
        var context: ConnectionContext
        var effects: [SessionEffect] = []
        init(_ id: String) { context = ConnectionContext(connectionID: id, framing: .tcp) }
    }

    func connection(_ id: String = UUID().uuidString) -> Connection { Connection(id) }

    /// Sends one raw line and returns the response object, applying an authentication effect.
    @discardableResult
    func send(_ line: String, on connection: Connection) async throws -> [String: Any] {
        let reply = await service.handle(Array(line.utf8), context: connection.context)
        if let effect = reply.effect {
            connection.effects.append(effect)
            if case .authenticated(let session, _) = effect { connection.context.session = session }
        }
        return try JSONSerialization.jsonObject(with: Data(reply.response)) as! [String: Any]
    }

    /// The raw response bytes, for checks of exact formatting.
    func raw(_ line: String, on connection: Connection) async -> String {
        String(decoding: await service.handle(Array(line.utf8), context: connection.context).response, as: UTF8.self)
    }

    /// Registers and logs in `username` on a new connection.
    func user(_ username: String) async throws -> (connection: Connection, id: String, token: String) {
        let connection = connection()
        let registered = try await send(
            #"{"type":"register","username":"\#(username)","password":"password-1"}"#, on: connection)
        let login = try await send(
            #"{"type":"login","username":"\#(username)","password":"password-1"}"#, on: connection)
        return try (connection, registered.field("user_id", as: String.self), login.field("token", as: String.self))
    }
}

extension Dictionary where Key == String, Value == Any {
    var code: String? { self["code"] as? String }
    var isOK: Bool { self["status"] as? String == "ok" }
}
