import ChatTestSupport
import EventStore
import Foundation
import Gateway
import Keyring
import Projections
import Testing

/// One SQLite database, several processes: a second server is refused, two started at once
/// on a new file leave one serving, and events another process appends never crash the one
/// that serves.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct SharedDatabaseTests {
    @Test func aSecondGatewayOnADatabaseAlreadyServedIsRefusedSayingWhy() async throws {
        let directory = try TemporaryDirectory()
        let database = directory.path("chat.db")
        let first = try await GatewayProcess.start(database: database)
        do {
            _ = try await GatewayProcess.start(database: database)
            Issue.record("the second gateway started")
        } catch let exited as GatewayProcess.Exited {
            #expect(exited.output.contains("already served"), "says why: \(exited.output)")
            #expect(
                exited.output.contains("pid \(first.process.processIdentifier)"), "names the holder: \(exited.output)")
        }
        let client = try await RawClient.connect(port: first.port)
        #expect(
            try await command(client, #"{"type":"ping","request_id":1}"#)["request_id"] as? Int == 1,
            "the first serves on")
        first.kill()
        // kill -9 released the lock: the next one starts (its init throws otherwise) and serves.
        let next = try await GatewayProcess.start(database: database)
        let again = try await RawClient.connect(port: next.port)
        #expect(try await command(again, #"{"type":"ping","request_id":2}"#)["request_id"] as? Int == 2)
    }

    @Test func twoGatewaysStartedAtOnceOnANewFileLeaveOneServing() async throws {
        for attempt in 0..<3 {
            let directory = try TemporaryDirectory()
            let database = directory.path("chat-\(attempt).db")
            // On threads of their own, so both start at the same moment without holding the
            // test runner's few threads while they wait for the children.
            let outcomes = await withTaskGroup(of: Result<GatewayProcess, any Error>.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        do {
                            return .success(try await GatewayProcess.start(database: database))
                        } catch {
                            return .failure(error)
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let serving = outcomes.compactMap { try? $0.get() }
            #expect(serving.count == 1, "exactly one serves")
            for case .failure(let error) in outcomes {
                let output = (error as? GatewayProcess.Exited)?.output ?? "\(error)"
                #expect(output.contains("already served"), "refused for the lock, not a half-made file: \(output)")
            }
            guard let gateway = serving.first else { continue }
            let client = try await RawClient.connect(port: gateway.port)
            #expect(try await command(client, #"{"type":"ping","request_id":1}"#)["request_id"] as? Int == 1)
            gateway.kill()
            #expect(try ProjectionVerifier.verify(path: database) == .verified(events: 0), "a whole, valid log")
        }
    }

    @Test func eventsAppendedByAnotherProcessDoNotStopPushes() async throws {
        let directory = try TemporaryDirectory()
        let database = directory.path("chat.db")
        // Users registered with cheap password hashes (their parameters are stored with
        // them, so logging in is cheap too): the child's default hashing would load a machine
        // running the other suites beside this one.
        let keyring = try Keyring.open(databasePath: database)
        let other = try await SQLiteEventLog.open(path: database, projection: ChatProjection(keyring: keyring))
        let outsider = ChatService(
            storage: .sqlite(log: other, keyring: keyring), configuration: .init(passwordParameters: .fastForTesting))
        func register(_ name: String) async throws -> String {
            let reply = await outsider.handle(
                Array(#"{"type":"register","username":"\#(name)","password":"password-1"}"#.utf8),
                context: ConnectionContext(connectionID: "outsider", framing: .tcp))
            let answer = try json(String(decoding: reply.response, as: UTF8.self))
            return try #require(answer["user_id"] as? String, "\(answer)")
        }
        _ = try await register("alice")
        let bobID = try await register("bob")

        let gateway = try await GatewayProcess.start(database: database)
        let alice = try await RawClient.connect(port: gateway.port)
        let bob = try await RawClient.connect(port: gateway.port)
        _ = try await command(alice, #"{"type":"login","username":"alice","password":"password-1"}"#)
        _ = try await command(bob, #"{"type":"login","username":"bob","password":"password-1"}"#)
        let chatID = try await command(alice, #"{"type":"create_chat","user_id":"\#(bobID)"}"#).field(
            "chat_id", as: String.self)
        #expect(try await push(bob)["type"] as? String == "chat:new")

        // Another writer appends: positions the gateway never published.
        _ = try await register("carol")
        _ = try await register("dave")
        let outsiderHead = try await other.headPosition()
        await other.close()

        for index in 1...3 {
            let sent = try await command(
                alice, #"{"type":"message","chat_id":"\#(chatID)","content":"after \#(index)"}"#)
            let position = try #require(sent["position"] as? Int)
            #expect(position > outsiderHead, "appended after the other process's events")
            let delivered = try await push(bob)
            #expect(delivered["type"] as? String == "message:new")
            #expect(delivered["position"] as? Int == position)
        }
        let health = try await RawClient.connect(port: gateway.port)
        try await health.write("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(try await health.readToEnd().hasPrefix("HTTP/1.1 200"), "still serving")
        gateway.kill()
        #expect(try ProjectionVerifier.verify(path: database) == .verified(events: outsiderHead + 3))
    }
}
