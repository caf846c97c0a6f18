import ChatDomain
import Testing

@Suite struct EventCodingTests {
    @Test func everyEventRoundTripsThroughItsEncoding() throws {
        let hash = PasswordHash(
            algorithm: "scrypt", rounds: 1024, blockSize: 8, parallelism: 1, salt: "c2FsdA==", hash: "aGFzaA==")
        let events: [ChatEvent] = [
            .userRegistered(UserRegistered(userID: alice, username: "alice", password: hash, registeredAt: now)),
            .sessionStarted(SessionStarted(userID: alice, tokenHash: "ab", startedAt: now, expiresAt: now)),
            .sessionEnded(SessionEnded(userID: alice, tokenHash: "ab", endedAt: now)),
            .directChatCreated(
                DirectChatCreated(chatID: ChatID("d"), participants: [alice, bob], createdBy: alice, createdAt: now)),
            .groupCreated(
                GroupCreated(
                    chatID: ChatID("g"), name: "n", createdBy: alice, members: [.init(userID: alice, role: .admin)],
                    createdAt: now)),
            .memberAdded(MemberAdded(chatID: ChatID("g"), userID: bob, role: .member, addedBy: alice, addedAt: now)),
            .memberRemoved(MemberRemoved(chatID: ChatID("g"), userID: bob, removedBy: alice, removedAt: now)),
            .messageSent(
                MessageSent(
                    messageID: MessageID("m"), chatID: ChatID("g"), senderID: alice, content: "hé \"q\" /",
                    clientMessageID: nil, sentAt: now)),
            .messagesRead(MessagesRead(chatID: ChatID("g"), readerID: bob, upToMessageID: MessageID("m"), readAt: now)),
            .messageEdited(
                MessageEdited(
                    messageID: MessageID("m"), chatID: ChatID("g"), editorID: alice, content: "é \"v2\"", editedAt: now)
            ),
            .messageDeleted(
                MessageDeleted(messageID: MessageID("m"), chatID: ChatID("g"), deletedBy: alice, deletedAt: now)),
        ]
        #expect(Set(events.map(\.kind)) == Set(ChatEvent.Kind.allCases).subtracting([.userErased]))
        let sealer = TestSealer()
        for event in events + [
            .userErased(UserErased(userID: bob, requestedBy: "dpo", reason: "Art. 17", erasedAt: now))
        ] {
            let encoded = try event.encoded(sealer: sealer)
            #expect(
                try ChatEvent(
                    type: encoded.type, schemaVersion: encoded.schemaVersion, data: encoded.data, opener: sealer)
                    == event)
            #expect(try event.encoded(sealer: sealer) == encoded, "encoding is deterministic")
        }
    }

    @Test func whatAUserWroteIsStoredOnlySealedAndReadsAsErasedWithoutTheirKey() throws {
        let hash = PasswordHash(
            algorithm: "scrypt", rounds: 1024, blockSize: 8, parallelism: 1, salt: "c2FsdA==", hash: "aGFzaA==")
        let sealer = TestSealer()
        let registered = ChatEvent.userRegistered(
            UserRegistered(userID: alice, username: "alice_w", password: hash, registeredAt: now))
        let sent = ChatEvent.messageSent(
            MessageSent(
                messageID: MessageID("m"), chatID: ChatID("g"), senderID: alice, content: "secret plans",
                clientMessageID: "c", sentAt: now))
        let edited = ChatEvent.messageEdited(
            MessageEdited(
                messageID: MessageID("m"), chatID: ChatID("g"), editorID: alice, content: "new plans", editedAt: now))
        for (event, text) in [(registered, "alice_w"), (sent, "secret plans"), (edited, "new plans")] {
            let encoded = try event.encoded(sealer: sealer)
            #expect(!String(decoding: encoded.data, as: UTF8.self).contains(text))
            let unreadable = try ChatEvent(
                type: encoded.type, schemaVersion: encoded.schemaVersion, data: encoded.data, opener: nil)
            switch unreadable {
            case .userRegistered(let e):
                #expect(e.isErased && e.username == ErasedUser.placeholderName(for: alice))
            case .messageSent(let e): #expect(e.isErased && e.content.isEmpty && e.clientMessageID == "c")
            case .messageEdited(let e): #expect(e.isErased && e.content.isEmpty)
            default: Issue.record("unexpected \(unreadable)")
            }
        }
        let other = TestSealer(erased: [alice])
        #expect(throws: (any Error).self) { try sent.encoded(sealer: other) }
    }

    @Test func thePlaceholderIsStableAndShort() {
        #expect(ErasedUser.placeholderName(for: alice) == ErasedUser.placeholderName(for: UserID("u-alice")))
        #expect(ErasedUser.placeholderName(for: alice) != ErasedUser.placeholderName(for: bob))
        #expect(ErasedUser.placeholderName(for: alice).count == "erased-user-".count + 8)
        #expect(
            Validation.usernameKey(ErasedUser.placeholderName(for: alice)) == ErasedUser.placeholderName(for: alice))
    }

    @Test func aVersionOneMessageIsUpcastOnRead() throws {
        let v1 = #"{"chat_id":"g","message_id":"m","sender_id":"u","sent_at":"2026-11-28T10:30:00.000Z","text":"old"}"#
        let event = try ChatEvent(type: "message_sent", schemaVersion: 1, data: Array(v1.utf8))
        #expect(
            event
                == .messageSent(
                    MessageSent(
                        messageID: MessageID("m"), chatID: ChatID("g"), senderID: UserID("u"), content: "old",
                        clientMessageID: nil, sentAt: Timestamp(iso8601: "2026-11-28T10:30:00.000Z")!)))
    }

    @Test func unknownTypesFutureVersionsAndBadDataAreTypedErrors() {
        #expect(throws: ChatEventDecodingError.unknownType("nope")) {
            try ChatEvent(type: "nope", schemaVersion: 1, data: [])
        }
        #expect(throws: ChatEventDecodingError.unsupportedSchemaVersion(type: "message_sent", version: 4)) {
            try ChatEvent(type: "message_sent", schemaVersion: 4, data: Array("{}".utf8))
        }
        #expect(throws: ChatEventDecodingError.malformedData(type: "member_added")) {
            try ChatEvent(type: "member_added", schemaVersion: 1, data: Array("{}".utf8))
        }
    }

    @Test(arguments: [
        ("1970-01-01T00:00:00.000Z", Int64(0)),
        ("2026-11-28T10:30:00.123Z", Int64(1_795_861_800_123)),
        ("2000-02-29T23:59:59.999Z", Int64(951_868_799_999)),
        ("1969-12-31T23:59:59.999Z", Int64(-1)),
    ])
    func timestampsFormatAndParseISO8601(_ text: String, _ milliseconds: Int64) {
        #expect(Timestamp(millisecondsSinceEpoch: milliseconds).iso8601 == text)
        #expect(Timestamp(iso8601: text)?.millisecondsSinceEpoch == milliseconds)
    }

    @Test(arguments: ["2026-11-28T10:30:00Z", "2026-13-28T10:30:00.000Z", "2026-11-28 10:30:00.000Z", "x"])
    func malformedTimestampsAreRejected(_ text: String) {
        #expect(Timestamp(iso8601: text) == nil)
    }

    @Test func passwordHashesVerifyOnlyTheirPassword() throws {
        let hash = try PasswordHash.make(password: "s3cret-pass", parameters: .fastForTesting)
        #expect(hash.verify(password: "s3cret-pass"))
        #expect(!hash.verify(password: "s3cret-pasS"))
        #expect(try PasswordHash.make(password: "s3cret-pass", parameters: .fastForTesting).salt != hash.salt)
    }
}
