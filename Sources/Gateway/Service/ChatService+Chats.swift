import ChatDomain
import EventStore
import JSON
import Keyring
import Projections

extension ChatService {
    /// How often a decision is retried when another append to the same chat won the race.
    static let conflictRetries = 8

    // swift-format-ignore: AlwaysUseLowerCamelCase
    // Property names are the wire keys.
    struct CreateChatResult: Encodable {
        var chat_id: ChatID
        var created: Bool
    }

    // swift-format-ignore: AlwaysUseLowerCamelCase
    // Property names are the wire keys.
    struct CreateGroupResult: Encodable {
        var group_id: ChatID
        var chat_id: ChatID
    }

    // swift-format-ignore: AlwaysUseLowerCamelCase
    // Property names are the wire keys.
    struct MessageResult: Encodable {
        var message_id: MessageID
        var timestamp: String
        var position: Int64
        var duplicate: Bool

        /// The ack of every message: by hand, the encoder's bytes.
        var canonicalJSON: [UInt8] {
            var json = CanonicalJSONWriter(capacity: 128)
            json.beginObject()
            json.key("duplicate")
            json.bool(duplicate)
            json.key("message_id")
            json.string(message_id.rawValue)
            json.key("position")
            json.integer(position)
            json.key("timestamp")
            json.string(timestamp)
            json.endObject()
            return json.bytes
        }
    }

    // swift-format-ignore: AlwaysUseLowerCamelCase
    // Property names are the wire keys.
    struct MessagesResult: Encodable {
        var messages: [MessageView]
        var has_more: Bool
    }

    func append(
        _ events: [ChatEvent], to stream: String, expected: ExpectedVersion, metadata: EventMetadata
    ) async throws -> AppendResult {
        let encoded = try await seal(events)
        return try await log.append(encoded, to: stream, expectedVersion: expected, metadata: metadata)
    }

    /// The events as the log stores them, their text sealed. A user from before sealing gets
    /// a key on first need; an erased user gets none, and their command fails.
    func seal(_ events: [ChatEvent]) async throws -> [NewEvent] {
        func encode() throws -> [NewEvent] {
            try events.map { event in
                let bytes = try event.encoded(sealer: keyring)
                return NewEvent(type: bytes.type, schemaVersion: bytes.schemaVersion, data: bytes.data)
            }
        }
        do {
            return try encode()
        } catch KeyringError.noKey(let user) {
            guard try await readModel.isActiveUser(user) else {
                throw ChatError(.invalidToken, "This account has been erased")
            }
            try await keyring.createKey(for: user)
            return try encode()
        }
    }

    /// The chat's decision state: from the cache, or read and then cached.
    func chatState(_ chatID: ChatID) async throws -> ChatStateCache.Entry? {
        if let cached = chatStates.entry(for: chatID) { return cached }
        guard let read = try await readModel.chatState(chatID) else {
            return nil
        }
        let entry = ChatStateCache.Entry(state: read.state, streamVersion: read.streamVersion)
        chatStates.store(entry, for: chatID)
        return entry
    }

    /// Decides against the chat's current state and appends expecting that state's version,
    /// deciding again if another append to the chat got in first.
    ///
    /// - Returns: whether anything was appended.
    func appendToChat(
        _ chatID: ChatID, metadata: EventMetadata,
        decide: @escaping @Sendable (ChatState?, Timestamp) async throws -> [ChatEvent]
    ) async throws -> Bool {
        try await appendToChat(chatID, metadata: metadata) { state, now in
            (try await decide(state, now), ())
        }.appended != nil
    }

    /// The same, for a decision that also says something to answer with (`outcome`).
    ///
    /// - Returns: the outcome of the decision that held, and what it appended, if anything.
    func appendToChat<Outcome: Sendable>(
        _ chatID: ChatID, metadata: EventMetadata,
        decide: @escaping @Sendable (ChatState?, Timestamp) async throws -> (events: [ChatEvent], outcome: Outcome)
    ) async throws -> (outcome: Outcome, appended: AppendResult?) {
        try await chatLocks.withLock(chatID.rawValue) {
            try await self.appendToChatLocked(chatID, metadata: metadata, decide: decide)
        }
    }

    private func appendToChatLocked<Outcome: Sendable>(
        _ chatID: ChatID, metadata: EventMetadata,
        decide: @Sendable (ChatState?, Timestamp) async throws -> (events: [ChatEvent], outcome: Outcome)
    ) async throws -> (outcome: Outcome, appended: AppendResult?) {
        for _ in 0..<Self.conflictRetries {
            let current = try await chatState(chatID)
            let (events, outcome) = try await decide(current?.state, configuration.clock())
            guard !events.isEmpty else { return (outcome, nil) }
            do {
                let result = try await append(
                    events, to: StreamName.chat(chatID), expected: .exact(current?.streamVersion ?? 0),
                    metadata: metadata)
                chatStates.recordAppend(events, to: chatID, after: current, streamVersion: result.streamVersion)
                return (outcome, result)
            } catch EventStoreError.wrongExpectedVersion {
                chatStates.forget(chatID)
                continue
            }
        }
        throw ChatError(.unavailable, "The chat is too busy; try again")
    }

    func createDirectChat(_ user: UserID, with other: UserID, metadata: EventMetadata) async throws -> [UInt8] {
        let chatID = IdentifierFactory.directChatID(user, other)
        async let otherUser = readModel.user(other)
        async let existingChat = readModel.chatState(chatID)
        let (otherExists, existing) = (try await otherUser != nil, try await existingChat?.state)
        let events = try Decisions.createDirectChat(
            requester: user, other: other, otherExists: otherExists, existing: existing, now: configuration.clock())
        var created = false
        if !events.isEmpty {
            do {
                _ = try await append(events, to: StreamName.chat(chatID), expected: .noStream, metadata: metadata)
                created = true
            } catch EventStoreError.wrongExpectedVersion {
                created = false  // the other user created it at the same moment
            }
        }
        return try ReplyEncoder.fields(CreateChatResult(chat_id: chatID, created: created))
    }

    func createGroup(_ user: UserID, name: String, memberIDs: [UserID], metadata: EventMetadata) async throws -> [UInt8]
    {
        let unknown = try await readModel.unknownUsers(memberIDs)
        let chatID = IdentifierFactory.newGroupID()
        let events = try Decisions.createGroup(
            requester: user, name: name, memberIDs: memberIDs, unknownMembers: unknown, chatID: chatID,
            now: configuration.clock())
        _ = try await append(events, to: StreamName.chat(chatID), expected: .noStream, metadata: metadata)
        return try ReplyEncoder.fields(CreateGroupResult(group_id: chatID, chat_id: chatID))
    }

    func sendMessage(
        _ user: UserID, to chatID: ChatID, content: String, clientMessageID: String?, metadata: EventMetadata
    ) async throws -> [UInt8] {
        try await chatLocks.withLock(chatID.rawValue) {
            try await self.sendMessageLocked(
                user, to: chatID, content: content, clientMessageID: clientMessageID, metadata: metadata)
        }
    }

    private func sendMessageLocked(
        _ user: UserID, to chatID: ChatID, content: String, clientMessageID: String?, metadata: EventMetadata
    ) async throws -> [UInt8] {
        // The client id is looked up only when the append or the decision says it may be a
        // repeat: a first send costs no read (the projection refuses a repeated id).
        var lookUpPrevious = false
        for _ in 0..<Self.conflictRetries {
            let current = try await chatState(chatID)
            var previous: MessageReference?
            if lookUpPrevious, let clientMessageID {
                previous = try await readModel.messageByClientID(sender: user, clientMessageID: clientMessageID)
            }
            let outcome: Decisions.SendOutcome
            do {
                outcome = try Decisions.sendMessage(
                    requester: user, chat: current?.state, content: content, clientMessageID: clientMessageID,
                    previous: previous, messageID: IdentifierFactory.newMessageID(), now: configuration.clock())
            } catch {
                // A retry of an acknowledged send is answered even if the sender has since left.
                let mayBeRepeat = error.code == .forbidden || error.code == .chatNotFound
                guard mayBeRepeat, clientMessageID != nil, !lookUpPrevious else { throw error }
                lookUpPrevious = true
                continue
            }
            switch outcome {
            case .duplicate(let first):
                let timestamp = try await readModel.messageTimestamp(first.messageID)
                return try ReplyEncoder.fields(
                    MessageResult(
                        message_id: first.messageID, timestamp: timestamp ?? "", position: first.position,
                        duplicate: true))
            case .send(let message):
                do {
                    let event = ChatEvent.messageSent(message)
                    let result = try await append(
                        [event], to: StreamName.chat(chatID), expected: .exact(current?.streamVersion ?? 0),
                        metadata: metadata)
                    chatStates.recordAppend([event], to: chatID, after: current, streamVersion: result.streamVersion)
                    return MessageResult(
                        message_id: message.messageID, timestamp: message.sentAt.iso8601, position: result.lastPosition,
                        duplicate: false
                    ).canonicalJSON
                } catch EventStoreError.wrongExpectedVersion {
                    // Another append to the chat got in first, here or in another process.
                    chatStates.forget(chatID)
                } catch EventStoreError.rejectedByProjection {
                    // The same client id, from another device or an earlier attempt.
                    lookUpPrevious = true
                }
            }
        }
        throw ChatError(.unavailable, "The chat is too busy; try again")
    }

    func getMessages(
        _ user: UserID, in chatID: ChatID, before: MessageID?, limit: Int, metadata: EventMetadata
    ) async throws -> [UInt8] {
        // Reading marks the chat read (the seed's behaviour), before the page is taken so that
        // the page shows the receipts it caused.
        _ = try await appendToChat(chatID, metadata: metadata) { state, now in
            try Decisions.authorizeRead(requester: user, chat: state)
            let (newest, watermark) = try await self.readModel.readMark(in: chatID, reader: user)
            return try Decisions.markRead(requester: user, chat: state, target: newest, watermark: watermark, now: now)
        }
        let page = try await readModel.messages(in: chatID, before: before, limit: limit)
        return try ReplyEncoder.fields(MessagesResult(messages: page.messages, has_more: page.hasMore))
    }
}
