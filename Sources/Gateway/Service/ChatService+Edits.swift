import ChatDomain
import EventStore
import JSON
import Projections

extension ChatService {
    // swift-format-ignore: AlwaysUseLowerCamelCase
    // Property names are the wire keys.
    struct EditResult: Encodable {
        var changed: Bool
        var edited_at: Timestamp?
        var position: Int64

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(changed, forKey: .changed)
            try container.encode(edited_at, forKey: .edited_at)  // null for a message never edited
            try container.encode(position, forKey: .position)
        }

        enum CodingKeys: String, CodingKey { case changed, edited_at, position }
    }

    func editMessage(
        _ user: UserID, in chatID: ChatID, messageID: MessageID, content: String, metadata: EventMetadata
    ) async throws -> [UInt8] {
        try await chatLocks.withLock(chatID.rawValue) {
            for _ in 0..<Self.conflictRetries {
                let current = try await self.chatState(chatID)
                let message = try await self.log.withReader { try ReadModelQueries.currentMessage(messageID, on: $0) }
                switch try Decisions.editMessage(
                    requester: user, chat: current?.state, message: message, content: content,
                    now: self.configuration.clock())
                {
                case .unchanged(let version):
                    return try ReplyEncoder.fields(
                        EditResult(changed: false, edited_at: version.editedAt, position: version.versionPosition))
                case .edit(let edited):
                    let event = ChatEvent.messageEdited(edited)
                    do {
                        let result = try await self.append(
                            [event], to: StreamName.chat(chatID), expected: .exact(current?.streamVersion ?? 0),
                            metadata: metadata)
                        self.chatStates.recordAppend(
                            [event], to: chatID, after: current, streamVersion: result.streamVersion)
                        return try ReplyEncoder.fields(
                            EditResult(changed: true, edited_at: edited.editedAt, position: result.lastPosition))
                    } catch EventStoreError.wrongExpectedVersion {
                        self.chatStates.forget(chatID)
                    }
                }
            }
            throw ChatError(.unavailable, "The chat is too busy; try again")
        }
    }

    func deleteMessage(_ user: UserID, in chatID: ChatID, messageID: MessageID, metadata: EventMetadata) async throws
        -> [UInt8]
    {
        let deleted = try await appendToChat(chatID, metadata: metadata) { state, now in
            let message = try await self.log.withReader { try ReadModelQueries.currentMessage(messageID, on: $0) }
            return try Decisions.deleteMessage(requester: user, chat: state, message: message, now: now)
        }
        return try ReplyEncoder.fields(["deleted": deleted])
    }
}
