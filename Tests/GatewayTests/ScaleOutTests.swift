import ChatTestSupport
import Foundation
import Testing

/// Two gateways on one PostgreSQL database behind haproxy, with every client connected
/// through the balancer (round robin spreads them over both): what the contract promises
/// holds across instances, through a gateway's `kill -9` and a PostgreSQL restart.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ScaleOutTests {
    @Test func everythingInTheContractHoldsAcrossGateways() async throws {
        let cluster = try await ScaleOutCluster()
        let first = try await cluster.client()
        _ = try await command(first, #"{"type":"register","username":"alice","password":"password-1"}"#)
        _ = try await command(first, #"{"type":"register","username":"bob","password":"password-1"}"#)
        let aliceToken =
            try await command(first, #"{"type":"login","username":"alice","password":"password-1"}"#).field(
                "token", as: String.self)
        var alice = [first]
        for _ in 0..<3 { alice.append(try await session(of: cluster, token: aliceToken)) }
        let bobFirst = try await cluster.client()
        let bobLogin = try await command(bobFirst, #"{"type":"login","username":"bob","password":"password-1"}"#)
        let bobToken = try bobLogin.field("token", as: String.self)
        let bobID = try bobLogin.field("user_id", as: String.self)
        var bob = [bobFirst]
        for _ in 0..<3 { bob.append(try await session(of: cluster, token: bobToken)) }
        try await expectSpread(cluster, atLeast: 4)

        let chatID = try await command(alice[0], #"{"type":"create_chat","user_id":"\#(bobID)"}"#).field(
            "chat_id", as: String.self)
        // Fan-out: every session of every participant, on both gateways.
        let sent = try await command(
            alice[1], #"{"type":"message","chat_id":"\#(chatID)","content":"hello","client_message_id":"k1"}"#)
        let messageID = try #require(sent["message_id"] as? String)
        for receiver in bob + [alice[0], alice[2], alice[3]] {
            #expect(try await nextPush("message:new", on: receiver)["payload"].flatMap(id) == messageID)
        }
        // Typing is not logged: it crosses gateways as a notification.
        _ = try await command(alice[2], #"{"type":"typing","chat_id":"\#(chatID)"}"#)
        for receiver in bob {
            let typing = try await nextPush("typing", on: receiver)
            #expect((typing["payload"] as? [String: Any])?["chat_session_id"] as? String == chatID)
        }
        // The same client id through every session, on both gateways: one message.
        for sender in alice {
            let repeated = try await command(
                sender, #"{"type":"message","chat_id":"\#(chatID)","content":"hello","client_message_id":"k1"}"#)
            #expect(repeated["message_id"] as? String == messageID)
            #expect(repeated["duplicate"] as? Bool == true)
        }
        // Resume: what was pushed while away, through either gateway, no gap, no duplicate.
        let since = try sent.field("position", as: Int.self)
        await bob[3].close()
        var missed = [String]()
        for text in ["two", "three", "four"] {
            let reply = try await command(alice[0], #"{"type":"message","chat_id":"\#(chatID)","content":"\#(text)"}"#)
            missed.append(try reply.field("message_id", as: String.self))
        }
        var resumed = [RawClient]()
        for round in 0..<2 {
            let client = try await cluster.client()
            let auth = try await command(client, #"{"type":"auth","token":"\#(bobToken)","since":\#(since)}"#)
            #expect(auth["status"] as? String == "ok")
            var replayed = [String]()
            for _ in missed {
                replayed.append(try await nextPush("message:new", on: client)["payload"].flatMap(id) ?? "")
            }
            #expect(replayed == missed, "round \(round)")
            resumed.append(client)
        }
        let live = try await command(alice[0], #"{"type":"message","chat_id":"\#(chatID)","content":"live"}"#)
        for client in resumed {
            #expect(
                try await nextPush("message:new", on: client)["payload"].flatMap(id) == live["message_id"] as? String,
                "after the replay, the next push is live: nothing twice")
        }
        // Logout through one gateway ends the token's sessions on both.
        _ = try await command(bob[0], #"{"type":"logout"}"#)
        for other in [bob[1], bob[2]] + resumed {
            _ = try await nextPush("session:ended", on: other)
            #expect(try await other.line() == nil, "the session's connection is closed")
        }
    }

    @Test func killingAGatewayUnderLoadLosesNothingAndItsClientsResumeOnTheOther() async throws {
        let cluster = try await ScaleOutCluster()
        let setup = try await cluster.client()
        _ = try await command(setup, #"{"type":"register","username":"alice","password":"password-1"}"#)
        let bobRegistered = try await command(setup, #"{"type":"register","username":"bob","password":"password-1"}"#)
        let bobID = try #require(bobRegistered["user_id"] as? String, "\(bobRegistered)")
        let aliceToken =
            try await command(setup, #"{"type":"login","username":"alice","password":"password-1"}"#).field(
                "token", as: String.self)
        let bobLogin = try await cluster.client()
        let bobToken =
            try await command(bobLogin, #"{"type":"login","username":"bob","password":"password-1"}"#).field(
                "token", as: String.self)
        let chatID = try await command(setup, #"{"type":"create_chat","user_id":"\#(bobID)"}"#).field(
            "chat_id", as: String.self)
        await setup.close()
        await bobLogin.close()

        let perSender = 150
        let receivers = [
            Receiver(cluster: cluster, client: try await session(of: cluster, token: bobToken), token: bobToken),
            Receiver(cluster: cluster, client: try await session(of: cluster, token: bobToken), token: bobToken),
        ]
        let receiving = receivers.map { receiver in Task { try await receiver.receive(count: 2 * perSender) } }
        var senders = [
            Sender(name: "s0", client: try await session(of: cluster, token: aliceToken)),
            Sender(name: "s1", client: try await session(of: cluster, token: aliceToken)),
        ]
        try await expectSpread(cluster, atLeast: 2)
        for index in senders.indices { try await senders[index].send(0..<perSender, chatID: chatID) }
        // Some answers to each, then the first gateway dies with sends in flight.
        for index in senders.indices { try await senders[index].collect(until: 20) }
        cluster.gateways[0].kill()
        for index in senders.indices {
            try await senders[index].collectAll()
            // What was not acknowledged (lost with the dead gateway, or refused as
            // `unavailable`) is sent again with the same client ids, as a client would:
            // through the balancer, on a new connection if the old one is gone.
            for _ in 0..<10 where senders[index].acknowledged.count < perSender {
                if senders[index].disconnected {
                    senders[index].client = try await session(of: cluster, token: aliceToken)
                    senders[index].disconnected = false
                    (senders[index].sent, senders[index].answered) = (0, 0)
                }
                let unacknowledged = (0..<perSender).filter { senders[index].acknowledged[$0] == nil }
                try await senders[index].send(unacknowledged, chatID: chatID)
                try await senders[index].collectAll()
            }
            #expect(senders[index].acknowledged.count == perSender)
        }
        let acknowledged = Set(senders.flatMap(\.acknowledged.values))
        #expect(acknowledged.count == 2 * perSender, "each client id is one message")

        for task in receiving {
            let seen = try await task.value
            #expect(seen.map(\.position) == seen.map(\.position).sorted(), "in log order")
            #expect(Set(seen.map(\.position)).count == seen.count, "no push twice")
            #expect(Set(seen.map(\.id)) == acknowledged, "no push missing")
        }
        // What the log holds: each acknowledged message exactly once.
        let stored = try await allMessages(in: chatID, on: try await session(of: cluster, token: aliceToken))
        #expect(stored.count == 2 * perSender)
        #expect(Set(stored) == acknowledged)
    }

    @Test func aPostgresRestartAnswersUnavailableThenServiceResumesByItself() async throws {
        let server = try TestPostgres.Cluster()
        let cluster = try await ScaleOutCluster(database: server.url)
        let alice = try await cluster.client()
        _ = try await command(alice, #"{"type":"register","username":"alice","password":"password-1"}"#)
        let bobID =
            try await command(alice, #"{"type":"register","username":"bob","password":"password-1"}"#).field(
                "user_id", as: String.self)
        _ = try await command(alice, #"{"type":"login","username":"alice","password":"password-1"}"#)
        let bob = try await cluster.client()
        _ = try await command(bob, #"{"type":"login","username":"bob","password":"password-1"}"#)
        try await expectSpread(cluster, atLeast: 1)
        let chatID = try await command(alice, #"{"type":"create_chat","user_id":"\#(bobID)"}"#).field(
            "chat_id", as: String.self)
        let before = try await command(alice, #"{"type":"message","chat_id":"\#(chatID)","content":"before"}"#)
        #expect(try await nextPush("message:new", on: bob)["payload"].flatMap(id) == before["message_id"] as? String)

        try server.stop()
        let send = #"{"type":"message","chat_id":"\#(chatID)","content":"after","client_message_id":"retry-1"}"#
        let refused = try await command(alice, send)
        #expect(refused["code"] as? String == "unavailable")
        #expect(try await command(alice, #"{"type":"ping"}"#)["status"] as? String == "ok", "the session lives on")

        try server.start()
        // The client retries, as it would after `unavailable`; the pool reconnects by itself.
        var accepted: [String: Any] = [:]
        let deadline = ContinuousClock.now + .seconds(60)
        while accepted["status"] as? String != "ok", ContinuousClock.now < deadline {
            accepted = try await command(alice, send)
        }
        #expect(accepted["status"] as? String == "ok")
        #expect(
            try await nextPush("message:new", on: bob)["payload"].flatMap(id) == accepted["message_id"] as? String,
            "the other gateway's dispatcher caught up")
        let page = try await command(alice, #"{"type":"get_messages","chat_id":"\#(chatID)"}"#)
        #expect((page["messages"] as? [[String: Any]])?.compactMap { $0["content"] as? String } == ["before", "after"])
    }

    /// A session authenticated with `token`, through the balancer.
    private func session(of cluster: ScaleOutCluster, token: String) async throws -> RawClient {
        let client = try await cluster.client()
        let auth = try await command(client, #"{"type":"auth","token":"\#(token)"}"#)
        guard auth["status"] as? String == "ok" else { throw GatewayProcess.Exited(output: "\(auth)") }
        return client
    }

    /// Waits until every gateway holds `count` client connections: the balancer spread them.
    private func expectSpread(_ cluster: ScaleOutCluster, atLeast count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        var counts = try await cluster.connectionCounts()
        while counts.contains(where: { $0 < count }), ContinuousClock.now < deadline {
            counts = try await cluster.connectionCounts()
        }
        #expect(counts.allSatisfy { $0 >= count }, "connections per gateway: \(counts)")
    }
}

/// Every message id of a chat, oldest first, page by page.
func allMessages(in chatID: String, on client: RawClient) async throws -> [String] {
    var ids = [String]()
    var before = ""
    while true {
        let page = try await command(
            client, #"{"type":"get_messages","chat_id":"\#(chatID)","limit":100\#(before)}"#)
        let messages = (page["messages"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        ids.insert(contentsOf: messages, at: 0)
        guard page["has_more"] as? Bool == true, let oldest = messages.first else { return ids }
        before = #","before":"\#(oldest)""#
    }
}

/// The next push of `type` on a TCP client, skipping responses and other pushes.
func nextPush(_ type: String, on client: RawClient) async throws -> [String: Any] {
    while true {
        let message = try json(try await client.line())
        if message.isEmpty { throw GatewayProcess.Exited(output: "closed while waiting for \(type)") }
        if message["type"] as? String == type, message["status"] == nil { return message }
    }
}

private func id(_ payload: Any) -> String? { (payload as? [String: Any])?["id"] as? String }

/// One sender pipelining messages with client ids, and what it was acknowledged.
private struct Sender {
    let name: String
    var client: RawClient
    /// Message ids by the sender's message number.
    var acknowledged: [Int: String] = [:]
    /// Error codes answered, by code.
    var refusals: [String: Int] = [:]
    var disconnected = false
    /// Commands sent on the current connection, and answers read from it.
    var sent = 0
    var answered = 0

    mutating func send(_ numbers: some Collection<Int>, chatID: String) async throws {
        sent += numbers.count
        let lines = numbers.map {
            #"{"type":"message","chat_id":"\#(chatID)","content":"\#(name)-\#($0)","client_message_id":"\#(name)-\#($0)","request_id":\#($0)}"#
        }
        try await client.write(lines.joined(separator: "\n") + "\n")
    }

    /// Reads every answer still due on this connection, or until it ends.
    mutating func collectAll() async throws { try await collect(until: sent) }

    /// Reads answers until `count` have been read on this connection, or until it ends.
    mutating func collect(until count: Int) async throws {
        while answered < count {
            let reply: [String: Any]?
            do { reply = try await response(client) } catch { reply = nil }  // reset by the dying gateway
            guard let reply else {
                disconnected = true
                return
            }
            answered += 1
            if let number = reply["request_id"] as? Int, let id = reply["message_id"] as? String {
                acknowledged[number] = id
            } else if let code = reply["code"] as? String {
                refusals[code + ": " + (reply["message"] as? String ?? ""), default: 0] += 1
            }
        }
    }
}

/// A session that receives `message:new`, resuming through the balancer when its gateway dies.
private struct Receiver: Sendable {
    let cluster: ScaleOutCluster
    let client: RawClient
    let token: String

    func receive(count: Int) async throws -> [(position: Int, id: String)] {
        var seen = [(position: Int, id: String)]()
        var client = self.client
        while Set(seen.map(\.id)).count < count {
            let line: String?
            do { line = try await client.line() } catch { line = nil }
            guard let line else {
                // Its gateway died: resume from the last push seen, through the other.
                client = try await cluster.client()
                let since = seen.last?.position ?? 0
                _ = try await command(client, #"{"type":"auth","token":"\#(token)","since":\#(since)}"#)
                continue
            }
            let message = try json(line)
            if message["type"] as? String == "message:new", let position = message["position"] as? Int,
                let id = (message["payload"] as? [String: Any])?["id"] as? String
            {
                seen.append((position, id))
            }
        }
        return seen
    }
}
