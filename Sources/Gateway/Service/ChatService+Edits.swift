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
        let (outcome, appended) = try await appendToChat(chatID, metadata: metadata) { state, now in
            let message = try await self.readModel.currentMessage(messageID)
            let outcome = try Decisions.editMessage(
                requester: user, chat: state, message: message, content: content, now: now)
            switch outcome {
            case .unchanged: return ([], outcome)
            case .edit(let edited): return ([.messageEdited(edited)], outcome)
            }
        }
        switch outcome {
        case .unchanged(let version):
            return try ReplyEncoder.fields(
                EditResult(changed: false, edited_at: version.editedAt, position: version.versionPosition))
        case .edit(let edited):
            return try ReplyEncoder.fields(
                EditResult(changed: true, edited_at: edited.editedAt, position: appended?.lastPosition ?? 0))
        }
    }

    func deleteMessage(_ user: UserID, in chatID: ChatID, messageID: MessageID, metadata: EventMetadata) async throws
        -> [UInt8]
    {
        let deleted = try await appendToChat(chatID, metadata: metadata) { state, now in
            let message = try await self.readModel.currentMessage(messageID)
            return try Decisions.deleteMessage(requester: user, chat: state, message: message, now: now)
        }
        return try ReplyEncoder.fields(["deleted": deleted])
    }
}
