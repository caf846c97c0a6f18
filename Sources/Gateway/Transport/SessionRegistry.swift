import ChatDomain
import Foundation

/// Every open connection, and the authenticated ones by user and by token: who gets a push.
///
/// > Note: `@unchecked Sendable`: all state is guarded by `lock`.
public final class SessionRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var open: [ObjectIdentifier: ClientConnection] = [:]
    private var byUser: [UserID: [ObjectIdentifier: ClientConnection]] = [:]

    public init() {}

    /// Open connections, authenticated or not.
    public var connectionCount: Int { lock.withLock { open.count } }

    func opened(_ connection: ClientConnection) {
        lock.withLock { open[ObjectIdentifier(connection)] = connection }
    }

    /// Forgets a connection on every close path.
    func closed(_ connection: ClientConnection) {
        lock.withLock {
            let id = ObjectIdentifier(connection)
            open[id] = nil
            if let user = connection.session?.userID {
                byUser[user]?[id] = nil
                if byUser[user]?.isEmpty == true { byUser[user] = nil }
            }
        }
    }

    func authenticated(_ connection: ClientConnection, as user: UserID) {
        lock.withLock { byUser[user, default: [:]][ObjectIdentifier(connection)] = connection }
    }

    func deauthenticated(_ connection: ClientConnection, user: UserID) {
        lock.withLock {
            byUser[user]?[ObjectIdentifier(connection)] = nil
            if byUser[user]?.isEmpty == true { byUser[user] = nil }
        }
    }

    /// Every session of `user`.
    func connections(of user: UserID) -> [ClientConnection] {
        lock.withLock { byUser[user].map { Array($0.values) } ?? [] }
    }

    /// Calls `body` with every session of every user in `users`, under one acquisition of the
    /// lock: a room's push looks up a thousand users at once. `body` must not call back in.
    func forEachConnection(of users: some Sequence<UserID>, _ body: (ClientConnection) -> Void) {
        lock.withLock {
            for user in users {
                guard let sessions = byUser[user] else { continue }
                for connection in sessions.values { body(connection) }
            }
        }
    }

    /// Every session authenticated with the token whose hash is `tokenHash`.
    func connections(tokenHash: String, of user: UserID) -> [ClientConnection] {
        connections(of: user).filter { $0.session?.tokenHash == tokenHash }
    }

    /// Every open connection, e.g. to close them at shutdown.
    func all() -> [ClientConnection] {
        lock.withLock { Array(open.values) }
    }
}
