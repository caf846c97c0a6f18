import ChatDomain
import EventStore
import Foundation
import Logging
import NIOCore
import Projections

/// Turns committed events into pushes and writes each to its recipients' sessions.
///
/// It follows the log from a snapshot of chat membership taken at a known position, and
/// keeps that membership current by folding the chat events it reads, so each event's
/// recipients are the members at that event's position. Each push is encoded once and the
/// same bytes are written to every recipient.
public final class PushDispatcher: Sendable {
    let log: SQLiteEventLog
    let registry: SessionRegistry
    let logger: Logger

    init(log: SQLiteEventLog, registry: SessionRegistry, logger: Logger) {
        self.log = log
        self.registry = registry
        self.logger = logger
    }

    /// Chat membership and usernames as of `position`.
    struct Snapshot: Sendable {
        var position: Int64
        var chats: [ChatID: ChatState]
        var createdAt: [ChatID: String]
        var usernames: [UserID: String]
    }

    /// Reads membership and usernames from the projections in one read transaction.
    func snapshot() async throws -> Snapshot {
        try await log.withReader { db in
            try db.execute("BEGIN")
            defer { try? db.execute("COMMIT") }
            let position = try db.scalarInt64("SELECT position FROM projection_checkpoints WHERE name = 'chat_read_model'") ?? 0
            var chats = [ChatID: ChatState]()
            var createdAt = [ChatID: String]()
            let chatRows = try db.prepare("SELECT chat_id, kind, name, created_at FROM chats")
            while try chatRows.step() {
                let id = ChatID(chatRows.string(0))
                chats[id] = ChatState(
                    chatID: id, kind: ChatState.Kind(rawValue: chatRows.string(1)) ?? .group, name: chatRows.optionalString(2), members: [:])
                createdAt[id] = chatRows.string(3)
            }
            let memberRows = try db.prepare("SELECT chat_id, user_id, role FROM members")
            while try memberRows.step() {
                chats[ChatID(memberRows.string(0))]?.members[UserID(memberRows.string(1))] =
                    MemberRole(rawValue: memberRows.string(2)) ?? .member
            }
            var usernames = [UserID: String]()
            let userRows = try db.prepare("SELECT user_id, username FROM users")
            while try userRows.step() { usernames[UserID(userRows.string(0))] = userRows.string(1) }
            return Snapshot(position: position, chats: chats, createdAt: createdAt, usernames: usernames)
        }
    }

    /// Follows the log until the task is cancelled or the log closes.
    func run() async throws {
        var state = try await snapshot()
        for try await recorded in log.subscribe(after: state.position) {
            guard let event = try? ChatEvent(type: recorded.type, schemaVersion: recorded.schemaVersion, data: recorded.data) else {
                logger.warning("undecodable event", metadata: ["chat.event.position": "\(recorded.position)"])
                continue
            }
            dispatch(event, recorded: recorded, state: &state)
        }
    }

    private func dispatch(_ event: ChatEvent, recorded: RecordedEvent, state: inout Snapshot) {
        let position = recorded.position
        let cause = recorded.decodedMetadata.connectionID
        let before = StreamName.chatID(of: recorded.streamID).flatMap { state.chats[$0] }
        if let chatID = StreamName.chatID(of: recorded.streamID) {
            state.chats[chatID] = ChatState.evolve(before, event)
        }
        switch event {
        case .userRegistered(let registered):
            state.usernames[registered.userID] = registered.username
        case .sessionStarted:
            break
        case .sessionEnded(let ended):
            let bytes = PushEncoder.encode("session:ended", position: position, payload: PushEncoder.Empty?.none)
            for connection in registry.connections(tokenHash: ended.tokenHash, of: ended.userID) where connection.id != cause {
                connection.send(bytes)
                registry.deauthenticated(connection, user: ended.userID)
                connection.close(.sessionEnded)
            }
        case .messageSent(let sent):
            let bytes = PushEncoder.encode(
                "message:new", position: position,
                payload: PushEncoder.NewMessage(
                    id: sent.messageID, chat_session_id: sent.chatID, sender_id: sent.senderID,
                    sender_username: state.usernames[sent.senderID] ?? "", content: sent.content, timestamp: sent.sentAt,
                    read_by: [], read_at: nil))
            send(bytes, to: members(state.chats[sent.chatID]), except: cause)
        case .messagesRead(let read):
            let bytes = PushEncoder.encode(
                "message:read", position: position,
                payload: PushEncoder.MessagesRead(
                    chat_session_id: read.chatID, reader_id: read.readerID, up_to_message_id: read.upToMessageID, read_at: read.readAt))
            send(bytes, to: members(state.chats[read.chatID]), except: nil)
        case .directChatCreated(let created):
            state.createdAt[created.chatID] = created.createdAt.iso8601
            for user in created.participants {
                sendChatNew(created.chatID, to: user, position: position, state: state, except: cause)
            }
        case .groupCreated(let created):
            state.createdAt[created.chatID] = created.createdAt.iso8601
            for member in created.members {
                sendChatNew(created.chatID, to: member.userID, position: position, state: state, except: cause)
            }
        case .memberAdded(let added):
            let bytes = PushEncoder.encode(
                "member:added", position: position,
                payload: PushEncoder.Membership(chat_session_id: added.chatID, user_id: added.userID, by: added.addedBy))
            send(bytes, to: members(state.chats[added.chatID]), except: nil)
            if before?.isMember(added.userID) != true {
                sendChatNew(added.chatID, to: added.userID, position: position, state: state, except: cause)
            }
        case .memberRemoved(let removed):
            let bytes = PushEncoder.encode(
                "member:removed", position: position,
                payload: PushEncoder.Membership(chat_session_id: removed.chatID, user_id: removed.userID, by: removed.removedBy))
            send(bytes, to: members(before), except: nil)
        }
    }

    private func members(_ chat: ChatState?) -> [UserID] {
        chat.map { Array($0.members.keys) } ?? []
    }

    private func send(_ bytes: [UInt8], to users: [UserID], except cause: String?) {
        let buffer = ByteBuffer(bytes: bytes)
        for user in users {
            for connection in registry.connections(of: user) where connection.id != cause {
                connection.send(buffer)
            }
        }
    }

    /// `chat:new` for one joining user: a direct chat's name depends on who receives it.
    private func sendChatNew(_ chatID: ChatID, to user: UserID, position: Int64, state: Snapshot, except cause: String?) {
        guard let chat = state.chats[chatID] else { return }
        let members = chat.members.map { id, role in
            ChatMember(id: id, username: state.usernames[id] ?? "", role: role)
        }.sorted { ($0.role == .admin ? 0 : 1, $0.username.lowercased()) < ($1.role == .admin ? 0 : 1, $1.username.lowercased()) }
        let name = chat.kind == .direct ? (members.first { $0.id != user }?.username ?? "") : (chat.name ?? "")
        let payload = NewChat(
            id: chatID, type: chat.kind.rawValue, name: name, members: members, created_at: state.createdAt[chatID] ?? "",
            last_message: nil, unread_count: 0)
        let buffer = ByteBuffer(bytes: PushEncoder.encode("chat:new", position: position, payload: payload))
        for connection in registry.connections(of: user) where connection.id != cause {
            connection.send(buffer)
        }
    }

    /// Writes `typing` to the other participants' sessions; not logged, no position.
    func typing(chatID: ChatID, from user: UserID, to recipients: [UserID], except connection: ClientConnection) {
        let bytes = PushEncoder.encode("typing", position: nil, payload: PushEncoder.Typing(chat_session_id: chatID, user_id: user))
        send(bytes, to: recipients, except: connection.id)
    }

    struct ChatMember: Encodable {
        var id: UserID
        var username: String
        var role: MemberRole
    }

    struct NewChat: Encodable {
        var id: ChatID
        var type: String
        var name: String
        var members: [ChatMember]
        var created_at: String
        var last_message: PushEncoder.NewMessage?
        var unread_count: Int

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(type, forKey: .type)
            try container.encode(name, forKey: .name)
            try container.encode(members, forKey: .members)
            try container.encode(created_at, forKey: .created_at)
            try container.encode(last_message, forKey: .last_message)
            try container.encode(unread_count, forKey: .unread_count)
        }

        enum CodingKeys: String, CodingKey {
            case id, type, name, members, created_at, last_message, unread_count
        }
    }
}
