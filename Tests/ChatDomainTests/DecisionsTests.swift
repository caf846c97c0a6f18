import ChatDomain
import Testing

let now = Timestamp(millisecondsSinceEpoch: 1_795_000_000_000)
let alice = UserID("u-alice")
let bob = UserID("u-bob")
let carol = UserID("u-carol")

func group(_ members: [UserID: MemberRole]) -> ChatState {
    ChatState(chatID: ChatID("g1"), kind: .group, name: "team", members: members)
}

func expectError(_ code: ErrorCode, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> some Any) {
    do {
        _ = try body()
        Issue.record("expected \(code.rawValue), got success", sourceLocation: sourceLocation)
    } catch {
        #expect((error as? ChatError)?.code == code, sourceLocation: sourceLocation)
    }
}

@Suite struct AccountDecisionsTests {
    let hash = try! PasswordHash.make(password: "correct horse", parameters: .fastForTesting)

    @Test func registerRecordsTheAccount() throws {
        let events = try Decisions.register(
            username: "Alice_1.x-y", password: "correct horse", usernameTaken: false, userID: alice, passwordHash: hash,
            now: now)
        #expect(
            events == [
                .userRegistered(
                    UserRegistered(userID: alice, username: "Alice_1.x-y", password: hash, registeredAt: now))
            ])
    }

    @Test(arguments: ["ab", String(repeating: "a", count: 33), "has space", "émile", "semi;colon"])
    func registerRefusesBadUsernames(_ username: String) {
        expectError(.invalidRequest) {
            try Decisions.register(
                username: username, password: "password1", usernameTaken: false, userID: alice, passwordHash: hash,
                now: now)
        }
    }

    @Test(arguments: ["short", String(repeating: "p", count: 1025)])
    func registerRefusesBadPasswords(_ password: String) {
        expectError(.invalidRequest) {
            try Decisions.register(
                username: "alice", password: password, usernameTaken: false, userID: alice, passwordHash: hash, now: now
            )
        }
    }

    @Test func registerRefusesATakenName() {
        expectError(.usernameTaken) {
            try Decisions.register(
                username: "alice", password: "password1", usernameTaken: true, userID: alice, passwordHash: hash,
                now: now)
        }
    }

    @Test func usernameKeysIgnoreCase() {
        #expect(Validation.usernameKey("Alice") == Validation.usernameKey("aLICE"))
    }

    @Test func loginWithTheRightPasswordStartsASession() throws {
        let account = Account(userID: alice, username: "alice", password: hash)
        let events = try Decisions.login(
            account: account, password: "correct horse", tokenHash: "abc", now: now, lifetimeMilliseconds: 1000)
        #expect(
            events == [
                .sessionStarted(
                    SessionStarted(
                        userID: alice, tokenHash: "abc", startedAt: now,
                        expiresAt: Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch + 1000)))
            ])
    }

    @Test func loginFailsAlikeForAWrongPasswordAndAnUnknownUser() throws {
        let account = Account(userID: alice, username: "alice", password: hash)
        expectError(.invalidCredentials) {
            try Decisions.login(
                account: account, password: "wrong horse", tokenHash: "t", now: now, lifetimeMilliseconds: 1)
        }
        expectError(.invalidCredentials) {
            try Decisions.login(
                account: nil, password: "correct horse", tokenHash: "t", now: now, lifetimeMilliseconds: 1)
        }
    }

    @Test func authAcceptsOnlyLiveSessions() throws {
        let live = SessionRecord(
            userID: alice, username: "alice", tokenHash: "t",
            expiresAt: Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch + 1), ended: false)
        #expect(try Decisions.authenticate(session: live, now: now) == live)
        var expired = live
        expired.expiresAt = now
        var ended = live
        ended.ended = true
        expectError(.invalidToken) { try Decisions.authenticate(session: expired, now: now) }
        expectError(.invalidToken) { try Decisions.authenticate(session: ended, now: now) }
        expectError(.invalidToken) { try Decisions.authenticate(session: nil, now: now) }
    }

    @Test func logoutEndsTheSessionOnce() {
        let session = SessionRecord(userID: alice, username: "alice", tokenHash: "t", expiresAt: now, ended: false)
        #expect(
            Decisions.logout(session: session, now: now) == [
                .sessionEnded(SessionEnded(userID: alice, tokenHash: "t", endedAt: now))
            ])
        var ended = session
        ended.ended = true
        #expect(Decisions.logout(session: ended, now: now).isEmpty)
    }

    @Test func tokensAreRandomAndOnlyTheirHashIsKept() {
        let first = SessionToken.generate()
        let second = SessionToken.generate()
        #expect(first != second)
        #expect(first.value.count == 64)
        #expect(first.hash != first.value)
        #expect(first.hash == SessionToken.hash(of: first.value))
    }
}

@Suite struct ChatDecisionsTests {
    @Test func aDirectChatIsCreatedOnceAndItsIdDoesNotDependOnWhoAsks() throws {
        let events = try Decisions.createDirectChat(
            requester: bob, other: alice, otherExists: true, existing: nil, now: now)
        let chatID = IdentifierFactory.directChatID(alice, bob)
        #expect(chatID == IdentifierFactory.directChatID(bob, alice))
        #expect(
            events == [
                .directChatCreated(
                    DirectChatCreated(chatID: chatID, participants: [alice, bob], createdBy: bob, createdAt: now))
            ])
        let existing = ChatState.fold(events)
        #expect(
            try Decisions.createDirectChat(
                requester: alice, other: bob, otherExists: true, existing: existing, now: now
            ).isEmpty)
    }

    @Test func aDirectChatNeedsAnotherExistingUser() {
        expectError(.invalidRequest) {
            try Decisions.createDirectChat(requester: alice, other: alice, otherExists: true, existing: nil, now: now)
        }
        expectError(.userNotFound) {
            try Decisions.createDirectChat(requester: alice, other: bob, otherExists: false, existing: nil, now: now)
        }
    }

    @Test func aGroupStartsWithItsCreatorAsAdminAndDeduplicatedMembers() throws {
        let events = try Decisions.createGroup(
            requester: alice, name: "team", memberIDs: [bob, bob, alice, carol], unknownMembers: [],
            chatID: ChatID("g1"), now: now)
        let state = try #require(ChatState.fold(events))
        #expect(state.members == [alice: .admin, bob: .member, carol: .member])
        guard case .groupCreated(let created) = events.first else {
            Issue.record("no group")
            return
        }
        #expect(created.members.map(\.userID) == [alice, bob, carol])
    }

    @Test func aGroupWithAnUnknownMemberOrABadNameIsNotCreated() {
        expectError(.userNotFound) {
            try Decisions.createGroup(
                requester: alice, name: "team", memberIDs: [bob], unknownMembers: [bob], chatID: ChatID("g1"), now: now)
        }
        for name in ["", "   \u{00A0}", String(repeating: "n", count: 101)] {
            expectError(.invalidRequest) {
                try Decisions.createGroup(
                    requester: alice, name: name, memberIDs: [], unknownMembers: [], chatID: ChatID("g1"), now: now)
            }
        }
    }

    @Test func onlyAdminsAddMembers() throws {
        let state = group([alice: .admin, bob: .member])
        #expect(
            try Decisions.addGroupMember(requester: alice, group: state, userID: carol, userExists: true, now: now)
                == [
                    .memberAdded(
                        MemberAdded(chatID: state.chatID, userID: carol, role: .member, addedBy: alice, addedAt: now))
                ])
        #expect(
            try Decisions.addGroupMember(requester: alice, group: state, userID: bob, userExists: true, now: now)
                .isEmpty)
        expectError(.forbidden) {
            try Decisions.addGroupMember(requester: bob, group: state, userID: carol, userExists: true, now: now)
        }
        expectError(.forbidden) {
            try Decisions.addGroupMember(requester: carol, group: state, userID: carol, userExists: true, now: now)
        }
        expectError(.userNotFound) {
            try Decisions.addGroupMember(requester: alice, group: state, userID: carol, userExists: false, now: now)
        }
        expectError(.chatNotFound) {
            try Decisions.addGroupMember(requester: alice, group: nil, userID: carol, userExists: true, now: now)
        }
    }

    @Test func adminsRemoveAnyoneAndMembersMayLeave() throws {
        let state = group([alice: .admin, bob: .member, carol: .member])
        #expect(
            try Decisions.removeGroupMember(requester: alice, group: state, userID: bob, now: now)
                == [.memberRemoved(MemberRemoved(chatID: state.chatID, userID: bob, removedBy: alice, removedAt: now))])
        #expect(
            try Decisions.removeGroupMember(requester: carol, group: state, userID: carol, now: now)
                == [
                    .memberRemoved(MemberRemoved(chatID: state.chatID, userID: carol, removedBy: carol, removedAt: now))
                ])
        expectError(.forbidden) {
            try Decisions.removeGroupMember(requester: bob, group: state, userID: carol, now: now)
        }
        #expect(
            try Decisions.removeGroupMember(requester: alice, group: state, userID: UserID("stranger"), now: now)
                .isEmpty)
    }

    @Test func aDirectChatHasNoMembershipCommands() {
        let direct = ChatState(chatID: ChatID("d1"), kind: .direct, name: nil, members: [alice: .member, bob: .member])
        expectError(.chatNotFound) {
            try Decisions.addGroupMember(requester: alice, group: direct, userID: carol, userExists: true, now: now)
        }
        expectError(.chatNotFound) {
            try Decisions.removeGroupMember(requester: alice, group: direct, userID: bob, now: now)
        }
    }

    @Test func membershipFoldsFromTheStream() throws {
        var state = try #require(
            ChatState.fold(
                try Decisions.createGroup(
                    requester: alice, name: "t", memberIDs: [bob], unknownMembers: [], chatID: ChatID("g"), now: now)))
        state = try #require(
            ChatState.evolve(
                state,
                .memberAdded(
                    MemberAdded(chatID: state.chatID, userID: carol, role: .member, addedBy: alice, addedAt: now))))
        state = try #require(
            ChatState.evolve(
                state,
                .memberRemoved(MemberRemoved(chatID: state.chatID, userID: bob, removedBy: alice, removedAt: now))))
        #expect(state.members == [alice: .admin, carol: .member])
    }
}

@Suite struct MessageDecisionsTests {
    let chat = group([alice: .admin, bob: .member])

    func send(
        _ content: String, by sender: UserID = alice, in chat: ChatState?, clientID: String? = nil,
        previous: MessageReference? = nil
    ) throws(ChatError) -> Decisions.SendOutcome {
        try Decisions.sendMessage(
            requester: sender, chat: chat, content: content, clientMessageID: clientID, previous: previous,
            messageID: MessageID("m1"), now: now)
    }

    @Test func aParticipantSendsAMessage() throws {
        #expect(
            try send("hello", in: chat, clientID: "c1")
                == .send(
                    MessageSent(
                        messageID: MessageID("m1"), chatID: chat.chatID, senderID: alice, content: "hello",
                        clientMessageID: "c1", sentAt: now)))
    }

    @Test func contentRulesFollowTheContract() {
        expectError(.invalidRequest) { try send("", in: chat) }
        expectError(.invalidRequest) { try send(" \n\t\u{00A0}\u{2003}", in: chat) }
        expectError(.contentTooLong) { try send(String(repeating: "x", count: 4001), in: chat) }
        #expect(throws: Never.self) { try send(String(repeating: "é", count: 4000), in: chat) }
        expectError(.invalidRequest) { try send("hi", in: chat, clientID: String(repeating: "c", count: 65)) }
    }

    @Test func outsidersAndUnknownChatsAreRefused() {
        expectError(.forbidden) { try send("hi", by: carol, in: chat) }
        expectError(.chatNotFound) { try send("hi", in: nil) }
    }

    @Test func aRepeatedClientMessageIDReturnsTheFirstMessage() throws {
        let first = MessageReference(messageID: MessageID("m0"), chatID: chat.chatID, senderID: alice, position: 7)
        #expect(try send("hi", in: chat, clientID: "c1", previous: first) == .duplicate(of: first))
    }

    @Test func readWatermarksOnlyMoveForward() throws {
        let target = MessageReference(messageID: MessageID("m5"), chatID: chat.chatID, senderID: alice, position: 5)
        #expect(
            try Decisions.markRead(requester: bob, chat: chat, target: target, watermark: 3, now: now)
                == [
                    .messagesRead(
                        MessagesRead(chatID: chat.chatID, readerID: bob, upToMessageID: target.messageID, readAt: now))
                ])
        #expect(try Decisions.markRead(requester: bob, chat: chat, target: target, watermark: 5, now: now).isEmpty)
        #expect(try Decisions.markRead(requester: bob, chat: chat, target: target, watermark: 9, now: now).isEmpty)
        #expect(try Decisions.markRead(requester: bob, chat: chat, target: nil, watermark: nil, now: now).isEmpty)
        expectError(.forbidden) {
            try Decisions.markRead(requester: carol, chat: chat, target: target, watermark: nil, now: now)
        }
        let elsewhere = MessageReference(
            messageID: MessageID("m9"), chatID: ChatID("other"), senderID: alice, position: 9)
        expectError(.invalidRequest) {
            try Decisions.markRead(requester: bob, chat: chat, target: elsewhere, watermark: nil, now: now)
        }
    }
}
