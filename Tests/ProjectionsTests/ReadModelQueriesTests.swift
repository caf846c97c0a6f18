import ChatDomain
import ChatTestSupport
import EventStore
import Foundation
import Projections
import Testing

@Suite struct ReadModelQueriesTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory() }

    func read<T: Sendable>(_ scenario: ChatScenario, _ body: @escaping @Sendable (SQLiteConnection) throws -> T)
        async throws -> T
    {
        try await scenario.log.withReader(body)
    }

    @Test func aUsersChatsComeMostRecentFirstWithLastMessageAndUnreadCount() async throws {
        let s = try await ChatScenario.open(path: directory.path("chat.db"))
        let alice = try await s.register("alice")
        let bob = try await s.register("bob")
        let carol = try await s.register("carol")
        let direct = try await s.createDirectChat(alice, with: bob)
        let group = try await s.createGroup(carol, name: "Book club", members: [alice])
        try await s.send(bob, to: direct, "one")
        try await s.send(bob, to: direct, "two")
        try await s.send(carol, to: group, "welcome")
        try await s.send(alice, to: group, "thanks")

        let chats = try await read(s) { try ReadModelQueries.chats(of: alice, on: $0) }
        #expect(chats.map(\.id) == [group, direct])
        #expect(chats.map(\.name) == ["Book club", "bob"])
        #expect(chats.map(\.unreadCount) == [1, 2])
        #expect(chats[0].lastMessage?.content == "thanks")
        #expect(chats[0].members.map(\.username) == ["carol", "alice"])
        #expect(chats[0].members.map(\.role) == [.admin, .member])

        try await s.readMessages(alice, in: direct)
        try await s.send(alice, to: direct, "three")
        let after = try await read(s) { try ReadModelQueries.chats(of: alice, on: $0) }
        #expect(after.map(\.id) == [direct, group])
        #expect(after.map(\.unreadCount) == [0, 1])
        let bobs = try await read(s) { try ReadModelQueries.chats(of: bob, on: $0) }
        #expect(bobs.map(\.name) == ["alice"])
        #expect(bobs.map(\.unreadCount) == [1])
        await s.close()
    }

    @Test func messagesPageBackwardsWithHasMore() async throws {
        let s = try await ChatScenario.open(path: directory.path("chat.db"))
        let alice = try await s.register("alice")
        let bob = try await s.register("bob")
        let chat = try await s.createDirectChat(alice, with: bob)
        for index in 1...7 { try await s.send(index.isMultiple(of: 2) ? bob : alice, to: chat, "m\(index)") }

        let newest = try await read(s) { try ReadModelQueries.messages(in: chat, before: nil, limit: 3, on: $0) }
        #expect(newest.messages.map(\.content) == ["m5", "m6", "m7"])
        #expect(newest.hasMore)
        let older = try await read(s) {
            try ReadModelQueries.messages(in: chat, before: newest.messages[0].id, limit: 3, on: $0)
        }
        #expect(older.messages.map(\.content) == ["m2", "m3", "m4"])
        #expect(older.hasMore)
        let oldest = try await read(s) {
            try ReadModelQueries.messages(in: chat, before: older.messages[0].id, limit: 3, on: $0)
        }
        #expect(oldest.messages.map(\.content) == ["m1"])
        #expect(!oldest.hasMore)
        #expect(oldest.messages[0].senderUsername == "alice")

        let otherChat = try await s.createDirectChat(alice, with: try await s.register("carol"))
        let foreign = newest.messages[0].id
        await #expect(throws: ChatError.invalidRequest("before is not a message of this chat")) {
            _ = try await read(s) { try ReadModelQueries.messages(in: otherChat, before: foreign, limit: 3, on: $0) }
        }
        await s.close()
    }

    @Test func readByListsReadersOtherThanTheSenderAndReadAtIsTheFirstRead() async throws {
        let s = try await ChatScenario.open(path: directory.path("chat.db"))
        let alice = try await s.register("alice")
        let bob = try await s.register("bob")
        let carol = try await s.register("carol")
        let group = try await s.createGroup(alice, name: "g", members: [bob, carol])
        let first = try await s.send(alice, to: group, "first")
        try await s.send(alice, to: group, "second")
        try await s.send(bob, to: group, "third")
        try await s.markRead(bob, in: group, upTo: first)  // at 09:00:…, before carol
        try await s.readMessages(carol, in: group)
        try await s.readMessages(bob, in: group)

        let page = try await read(s) { try ReadModelQueries.messages(in: group, before: nil, limit: 10, on: $0) }
        #expect(page.messages.map(\.readBy) == [[bob, carol].sorted(), [bob, carol].sorted(), [carol]])
        #expect(page.messages[0].readAt! < page.messages[1].readAt!, "bob read the first before carol read the rest")
        #expect(page.messages[1].readAt == page.messages[2].readAt, "carol read both at once")
        await s.close()
    }

    @Test func aClientMessageIDIsDeduplicatedAcrossRestarts() async throws {
        let path = directory.path("chat.db")
        var s = try await ChatScenario.open(path: path)
        let alice = try await s.register("alice")
        let bob = try await s.register("bob")
        let chat = try await s.createDirectChat(alice, with: bob)
        let first = try await s.send(alice, to: chat, "once", clientMessageID: "k1")
        await s.close()

        s = try await ChatScenario.open(path: path)
        let head = try await s.log.headPosition()
        #expect(try await s.send(alice, to: chat, "once", clientMessageID: "k1") == first)
        #expect(try await s.log.headPosition() == head)
        #expect(try await s.send(bob, to: chat, "same key, other sender", clientMessageID: "k1") != first)

        // Even an append that bypasses the decision cannot record the key twice.
        let duplicate = try ChatEvent.messageSent(
            MessageSent(
                messageID: MessageID("m-dup"), chatID: chat, senderID: alice, content: "x", clientMessageID: "k1",
                sentAt: now)
        ).encoded(sealer: s.keyring)
        await #expect {
            _ = try await s.log.append(
                [NewEvent(type: duplicate.type, schemaVersion: duplicate.schemaVersion, data: duplicate.data)],
                to: StreamName.chat(chat), expectedVersion: .any, metadata: .init())
        } throws: { error in
            guard case EventStoreError.rejectedByProjection = error else { return false }
            return true
        }
        await s.close()
    }

    @Test func aRemovedMemberNoLongerSeesTheGroup() async throws {
        let s = try await ChatScenario.open(path: directory.path("chat.db"))
        let alice = try await s.register("alice")
        let bob = try await s.register("bob")
        let group = try await s.createGroup(alice, name: "g", members: [bob])
        try await s.removeMember(alice, from: group, bob)
        #expect(try await read(s) { try ReadModelQueries.chats(of: bob, on: $0) }.isEmpty)
        let state = try #require(try await s.chat(group))
        #expect(!state.state.isMember(bob))
        await #expect(throws: ChatError.forbidden) { try await s.send(bob, to: group, "hello?") }
        await s.close()
    }

    @Test func concurrentSendersToOneChatConflictInsteadOfSkippingTheMembershipCheck() async throws {
        let s = try await ChatScenario.open(path: directory.path("chat.db"))
        let alice = try await s.register("alice")
        let bob = try await s.register("bob")
        let group = try await s.createGroup(alice, name: "g", members: [bob])
        let version = try #require(try await s.chat(group)).streamVersion
        let message = { (id: String) throws -> NewEvent in
            let encoded = try ChatEvent.messageSent(
                MessageSent(
                    messageID: MessageID(id), chatID: group, senderID: bob, content: id, clientMessageID: nil,
                    sentAt: now)
            ).encoded(sealer: s.keyring)
            return NewEvent(type: encoded.type, schemaVersion: encoded.schemaVersion, data: encoded.data)
        }
        _ = try await s.log.append(
            [try message("a")], to: StreamName.chat(group), expectedVersion: .exact(version), metadata: .init())
        await #expect(throws: EventStoreError.self) {
            _ = try await s.log.append(
                [try message("b")], to: StreamName.chat(group), expectedVersion: .exact(version), metadata: .init())
        }
        await s.close()
    }

    @Test func sessionsEndAtLogoutAndUserSearchIgnoresCase() async throws {
        let s = try await ChatScenario.open(path: directory.path("chat.db"))
        try await s.register("Alice")
        try await s.register("malice")
        try await s.register("bob")
        let token = try await s.login("alice")
        let hash = token.hash
        #expect(try await read(s) { try ReadModelQueries.session(tokenHash: hash, on: $0) }?.ended == false)
        try await s.logout(token)
        #expect(try await read(s) { try ReadModelQueries.session(tokenHash: hash, on: $0) }?.ended == true)

        let found = try await read(s) { try ReadModelQueries.searchUsers(query: "ALI", limit: 10, on: $0) }
        #expect(found.map(\.username) == ["Alice", "malice"])
        #expect(try await read(s) { try ReadModelQueries.searchUsers(query: nil, limit: 2, on: $0) }.count == 2)
        await #expect(throws: ChatError.usernameTaken) { try await s.register("ALICE") }
        await s.close()
    }

    @Test func projectionsCatchUpWithTheLogWhenOpened() async throws {
        let path = directory.path("chat.db")
        let source = try await ChatScenario.open(path: directory.path("source.db"))
        let alice = try await source.register("alice")
        let bob = try await source.register("bob")
        let chat = try await source.createDirectChat(alice, with: bob)
        try await source.send(alice, to: chat, "hi")
        let events = try await source.log.read(after: 0, limit: 100)
        await source.close()

        // Copy the events into a log with no projection, then open it with one.
        let bare = try await SQLiteEventLog.open(path: path)
        for event in events {
            _ = try await bare.append(
                [NewEvent(type: event.type, schemaVersion: event.schemaVersion, data: event.data)], to: event.streamID,
                expectedVersion: .any, metadata: .init())
        }
        await bare.close()
        // The keys stay in the source database; its keyring opens the copy's sealed text.
        let projected = try await SQLiteEventLog.open(path: path, projection: ChatProjection(keyring: source.keyring))
        let page = try await projected.withReader {
            try ReadModelQueries.messages(in: chat, before: nil, limit: 10, on: $0)
        }
        #expect(page.messages.map(\.content) == ["hi"])
        await projected.close()
        #expect(try ProjectionVerifier.verify(path: path, keyring: source.keyring) == .verified(events: 4))
    }
}

let now = Timestamp(millisecondsSinceEpoch: 1_795_856_400_000)
