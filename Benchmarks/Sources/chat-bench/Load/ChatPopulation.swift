import Foundation
import NIOCore

/// Users logged in on their own connections, formed into groups: what a load run sends
/// through. Each run registers fresh usernames, so runs never depend on earlier ones.
struct ChatPopulation: Sendable {
    struct User: Sendable {
        var username: String
        var userID: String
        var token: String
        var connection: BenchConnection
    }

    struct Group: Sendable {
        var chatID: String
        /// Indices into `users`; a user is in exactly one group.
        var members: [Int]
    }

    var users: [User]
    var groups: [Group]

    static let password = "bench-password-1"

    /// Registers and logs in `userCount` users and has the first member of every `groupSize`
    /// users create their group.
    static func establish(
        userCount: Int, groupSize: Int, connector: Connector, loop: any EventLoop,
        progress: ProgressLine
    ) async throws -> ChatPopulation {
        guard groupSize >= 2, userCount >= groupSize, userCount % groupSize == 0 else {
            throw BenchError.setup("--users must be a multiple of --group-size (at least 2)")
        }
        let users = try await logIn(userCount, connector: connector, loop: loop, progress: progress)
        var groups: [Group] = []
        for first in stride(from: 0, to: userCount, by: groupSize) {
            let members = Array(first..<(first + groupSize))
            groups.append(try await createGroup(of: members, named: "bench \(first / groupSize)", users: users))
        }
        return ChatPopulation(users: users, groups: groups)
    }

    /// Registers and logs in `count` fresh users, a few at a time, since each costs the
    /// server a password hash.
    static func logIn(_ count: Int, connector: Connector, loop: any EventLoop, progress: ProgressLine)
        async throws -> [User]
    {
        let tag = runTag()
        var users = [User?](repeating: nil, count: count)
        try await forEach(0..<count, concurrency: 32) { index in
            let user = try await logIn(username: "b\(tag)_\(index)", register: true, connector: connector, loop: loop)
            progress.update("logging in users")
            return (index, user)
        } collect: { (index, user) in
            users[index] = user
        }
        return users.map { $0! }
    }

    /// Has the first of `members` create a group holding all of them, in one `create_group`.
    static func createGroup(of members: [Int], named name: String, users: [User]) async throws -> Group {
        let others = members.dropFirst().map { "\"\(users[$0].userID)\"" }.joined(separator: ",")
        let reply = try await call(
            users[members[0]].connection,
            #""type":"create_group","group_name":"\#(name)","member_ids":[\#(others)]"#)
        guard let chatID = reply["chat_id"] as? String else { throw BenchError.setup("create_group: no chat_id") }
        return Group(chatID: chatID, members: members)
    }

    /// Connects, optionally registers, and logs in.
    static func logIn(username: String, register: Bool, connector: Connector, loop: any EventLoop) async throws -> User
    {
        let connection = try await connector.connect(on: loop).get()
        if register {
            _ = try await call(connection, #""type":"register","username":"\#(username)","password":"\#(password)""#)
        }
        let reply = try await call(connection, #""type":"login","username":"\#(username)","password":"\#(password)""#)
        guard let userID = reply["user_id"] as? String, let token = reply["token"] as? String else {
            throw BenchError.setup("login: no user_id or token")
        }
        return User(username: username, userID: userID, token: token, connection: connection)
    }

    /// Opens one more connection authenticated with an existing token.
    static func authenticate(token: String, connector: Connector, loop: any EventLoop, from source: String?)
        async throws
        -> BenchConnection
    {
        let connection = try await connector.connect(on: loop, from: source).get()
        _ = try await call(connection, #""type":"auth","token":"\#(token)""#)
        return connection
    }

    /// Sends a setup command and decodes its ok answer; an error answer throws.
    static func call(_ connection: BenchConnection, _ fields: String) async throws -> [String: Any] {
        let reply = try await connection.eventLoop.flatSubmit { connection.request(fields) }.get()
        let object = try JSONSerialization.jsonObject(with: Data(reply.readableBytesView)) as? [String: Any] ?? [:]
        guard object["status"] as? String == "ok" else { throw BenchError.serverError(String(buffer: reply)) }
        return object
    }

    private static func runTag() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<6).map { _ in alphabet.randomElement()! })
    }
}

/// Runs `body` for every element with at most `concurrency` in flight, handing each
/// result to `collect` on the caller's task.
func forEach<Element: Sendable, Result: Sendable>(
    _ elements: some Sequence<Element>, concurrency: Int,
    _ body: @escaping @Sendable (Element) async throws -> Result,
    collect: (Result) throws -> Void
) async throws {
    try await withThrowingTaskGroup(of: Result.self) { group in
        var inFlight = 0
        for element in elements {
            if inFlight == concurrency {
                try collect(try await group.next()!)
                inFlight -= 1
            }
            group.addTask { try await body(element) }
            inFlight += 1
        }
        while let result = try await group.next() { try collect(result) }
    }
}
