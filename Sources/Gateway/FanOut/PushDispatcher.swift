import ChatDomain
import EventStore
import Foundation
import Keyring
import Logging
import NIOCore
import Projections

/// Turns committed events into pushes and writes each to its recipients' sessions.
///
/// It follows the log from a snapshot of chat membership taken at a known position, and
/// keeps that membership current by folding the chat events it reads, so each event's
/// recipients are the members at that event's position. Each push is encoded once and the
/// same bytes are written to every recipient. Recent pushes are kept, with their audience,
/// so that `auth` with `since` can replay exactly what a user missed.
public final class PushDispatcher: Sendable {
    let log: any EventLog
    let readModel: any ChatReadModel
    let typingRelay: (any TypingRelay)?
    /// Opens the text of `message:new` and `message:edited`, once per event.
    let keyring: Keyring
    let registry: SessionRegistry
    let metrics: GatewayMetrics
    let logger: Logger

    /// Pushes kept in memory for resume; an older `since` is replayed from the log.
    let recentCapacity: Int

    init(
        log: any EventLog, readModel: any ChatReadModel, typingRelay: (any TypingRelay)?, keyring: Keyring,
        registry: SessionRegistry,
        metrics: GatewayMetrics, recentCapacity: Int,
        logger: Logger
    ) {
        self.log = log
        self.readModel = readModel
        self.typingRelay = typingRelay
        self.keyring = keyring
        self.registry = registry
        self.metrics = metrics
        self.recentCapacity = recentCapacity
        self.logger = logger
    }

    /// Chat membership and usernames as of a position.
    typealias Snapshot = MembershipSnapshot

    /// A push computed once from an event: its bytes and who receives it.
    struct PlannedPush: Sendable {
        var position: Int64
        /// Its place among the pushes of the same event (an event may push twice to one user).
        var ordinal: Int = 0
        var bytes: ByteBuffer
        /// Users whose sessions receive it.
        var audience: PushAudience
        /// The connection that caused the event, which does not receive it.
        var except: String?
    }

    /// Dispatch state shared with resuming connections.
    ///
    /// > Note: guarded by `lock`; held while an event is planned and delivered, so a
    /// > connection that registers for resume sees each push either in `recent` or live.
    private final class Shared: @unchecked Sendable {
        let lock = NSLock()
        /// The last event planned and delivered.
        var position: Int64 = 0
        /// Every push after `windowStart`, oldest first.
        var recent: [PlannedPush] = []
        var windowStart: Int64 = 0
    }

    private let shared = Shared()

    /// Follows the log until the task is cancelled or the log closes.
    ///
    /// Takes what each group commit made as one batch: plans every push once, then hands
    /// each event loop all of its connections' pushes in one task, which writes them and
    /// flushes each connection once.
    func run() async throws {
        var state = try await readModel.membershipSnapshot()
        shared.lock.withLock {
            shared.position = state.position
            shared.windowStart = state.position
        }
        var events = log.subscribe(after: state.position).makeAsyncIterator()
        while let batch = try await events.nextBatch() {
            await prefetchKeys(for: batch)
            shared.lock.withLock {
                var outgoing = OutgoingPushes()
                for recorded in batch {
                    let planned = Self.plan(recorded, state: &state, opener: keyring)
                    shared.position = recorded.position
                    remember(planned)
                    for push in planned { address(push, into: &outgoing) }
                    if recorded.type == ChatEvent.Kind.userErased.rawValue {
                        // The window holds the erased user's text as it was pushed: a resume
                        // from before the erasure is planned again from the log, which shows
                        // the placeholders.
                        shared.recent.removeAll()
                        shared.windowStart = recorded.position
                    }
                    if recorded.type == ChatEvent.Kind.sessionEnded.rawValue
                        || recorded.type == ChatEvent.Kind.userErased.rawValue
                    {
                        // session:ended closes connections: what came before goes first.
                        outgoing.send(metrics: metrics)
                        outgoing = OutgoingPushes()
                        endSessions(recorded)
                    }
                }
                outgoing.send(metrics: metrics)
            }
        }
    }

    /// The keys that opening these events' text needs, read ahead where the keyring cannot
    /// look them up while planning (PostgreSQL). Without them the text would read as erased:
    /// a failure is logged, and planning goes on with what is known.
    private func prefetchKeys(for events: some Collection<RecordedEvent>) async {
        do {
            try await keyring.prefetchKeys(for: events)
        } catch {
            logger.warning("user keys not read", metadata: ["chat.error": "\(error)"])
        }
    }

    /// Keeps the last ``recentCapacity`` pushes (caller holds the lock); trims in steps so
    /// the array is not shifted on every event.
    private func remember(_ planned: [PlannedPush]) {
        shared.recent.append(contentsOf: planned)
        let excess = shared.recent.count - recentCapacity
        if excess > recentCapacity / 4 {
            shared.windowStart = shared.recent[excess - 1].position
            shared.recent.removeFirst(excess)
        }
    }

    private func address(_ push: PlannedPush, into outgoing: inout OutgoingPushes) {
        let order = PushOrder(position: push.position, ordinal: push.ordinal)
        registry.forEachConnection(of: push.audience.users) { connection in
            if connection.id != push.except { outgoing.add(push.bytes, at: order, to: connection) }
        }
    }

    /// `session:ended` to the other connections of a revoked token, or to every connection
    /// of an erased user, which then close.
    private func endSessions(_ recorded: RecordedEvent) {
        let user: UserID
        let connections: [ClientConnection]
        switch try? ChatEvent(type: recorded.type, schemaVersion: recorded.schemaVersion, data: recorded.data) {
        case .sessionEnded(let ended)?:
            let cause = recorded.decodedMetadata.connectionID
            user = ended.userID
            connections = registry.connections(tokenHash: ended.tokenHash, of: ended.userID).filter { $0.id != cause }
        case .userErased(let erased)?:
            user = erased.userID
            connections = registry.connections(of: erased.userID)
        default:
            return
        }
        let bytes = ByteBuffer(
            bytes: PushEncoder.encode("session:ended", position: recorded.position, payload: PushEncoder.Empty?.none))
        for connection in connections {
            connection.push(bytes, at: PushOrder(position: recorded.position, ordinal: Int.max))
            registry.deauthenticated(connection, user: user)
            connection.close(.sessionEnded)
        }
    }

    /// Registers `connection` for live pushes and returns every push `user` would have
    /// received after `since`, up to the point where live delivery takes over.
    ///
    /// The connection buffers live pushes until the caller has written these.
    func resume(_ connection: ClientConnection, user: UserID, after since: Int64) async throws -> [PlannedPush] {
        let (inWindow, upTo): ([PlannedPush]?, Int64) = shared.lock.withLock {
            // A `since` beyond the head replays nothing; everything from the head on is live.
            connection.beginResume(after: min(since, shared.position))
            registry.authenticated(connection, as: user)
            let upTo = shared.position
            guard since >= shared.windowStart || since >= upTo else { return (nil, upTo) }
            // What came after `since`, found by bisection: the cost is what was pushed since,
            // not the whole window.
            let recent = shared.recent
            var low = 0
            var high = recent.count
            while low < high {
                let middle = (low + high) / 2
                if recent[middle].position > since { high = middle } else { low = middle + 1 }
            }
            return (recent[low...].filter { $0.audience.contains(user) }, upTo)
        }
        if let inWindow { return inWindow }
        return try await replayFromLog(for: user, after: since, upTo: upTo)
    }

    /// Plans every event from the start of the log with a fresh state: exact, but reads the
    /// whole log, so it only serves a `since` older than the in-memory window.
    private func replayFromLog(for user: UserID, after since: Int64, upTo: Int64) async throws -> [PlannedPush] {
        var state = Snapshot(position: 0, chats: [:], createdAt: [:], usernames: [:])
        var position: Int64 = 0
        var pushes = [PlannedPush]()
        while position < upTo {
            let events = try await log.read(after: position, limit: 2_000)
            guard !events.isEmpty else { break }
            await prefetchKeys(for: events)
            for recorded in events where recorded.position <= upTo {
                let planned = Self.plan(recorded, state: &state, opener: keyring)
                if recorded.position > since {
                    pushes.append(contentsOf: planned.filter { $0.audience.contains(user) })
                }
            }
            position = events.last!.position
        }
        return pushes
    }

    /// The pushes an event causes, given the membership before it; advances `state`.
    static func plan(_ recorded: RecordedEvent, state: inout Snapshot, opener: (any TextSealer)?) -> [PlannedPush] {
        var planned = planUnordered(recorded, state: &state, opener: opener)
        for index in planned.indices { planned[index].ordinal = index }
        return planned
    }

    private static func planUnordered(_ recorded: RecordedEvent, state: inout Snapshot, opener: (any TextSealer)?)
        -> [PlannedPush]
    {
        guard
            let event = try? ChatEvent(
                type: recorded.type, schemaVersion: recorded.schemaVersion, data: recorded.data, opener: opener)
        else {
            return []
        }
        let position = recorded.position
        let cause = recorded.decodedMetadata.connectionID
        let chatID = StreamName.chatID(of: recorded.streamID)
        let before = chatID.flatMap { state.chats[$0] }
        if let chatID { state.chats[chatID] = ChatState.evolve(before, event) }
        func push(_ type: String, _ payload: some Encodable, to audience: PushAudience, except: String?) -> PlannedPush
        {
            PlannedPush(
                position: position,
                bytes: ByteBuffer(bytes: PushEncoder.encode(type, position: position, payload: payload)),
                audience: audience, except: except)
        }
        func push(_ bytes: [UInt8], to audience: PushAudience, except: String?) -> PlannedPush {
            PlannedPush(position: position, bytes: ByteBuffer(bytes: bytes), audience: audience, except: except)
        }
        func members(_ chat: ChatState?) -> PushAudience { PushAudience(membersOf: chat) }
        switch event {
        case .userRegistered(let registered):
            state.usernames[registered.userID] = registered.username
            return []
        case .sessionStarted, .sessionEnded:
            return []
        case .userErased(let erased):
            // Pushes are unchanged (protocol §10): clients see the placeholders when they fetch.
            state.usernames[erased.userID] = ErasedUser.placeholderName(for: erased.userID)
            return []
        case .messageSent(let sent):
            let payload = MessageView(
                id: sent.messageID, chatID: sent.chatID, senderID: sent.senderID,
                senderUsername: state.usernames[sent.senderID] ?? "", content: sent.content,
                timestamp: sent.sentAt.iso8601,
                readBy: [], readAt: nil, erased: sent.isErased, position: position)
            return [
                push(
                    PushEncoder.messageNew(payload, position: position), to: members(state.chats[sent.chatID]),
                    except: cause)
            ]
        case .messagesRead(let read):
            let payload = PushEncoder.MessagesRead(
                chat_session_id: read.chatID, reader_id: read.readerID, up_to_message_id: read.upToMessageID,
                read_at: read.readAt)
            return [
                push(
                    PushEncoder.messageRead(payload, position: position), to: members(state.chats[read.chatID]),
                    except: nil)
            ]
        case .messageEdited(let edited):
            let payload = PushEncoder.MessageEdited(
                chat_session_id: edited.chatID, message_id: edited.messageID, content: edited.content,
                edited_at: edited.editedAt, editor_id: edited.editorID)
            return [push("message:edited", payload, to: members(state.chats[edited.chatID]), except: cause)]
        case .messageDeleted(let deleted):
            let payload = PushEncoder.MessageDeleted(
                chat_session_id: deleted.chatID, message_id: deleted.messageID, deleted_at: deleted.deletedAt,
                deleted_by: deleted.deletedBy)
            return [push("message:deleted", payload, to: members(state.chats[deleted.chatID]), except: cause)]
        case .directChatCreated(let created):
            state.createdAt[created.chatID] = created.createdAt.iso8601
            // Each participant sees the chat named after the other: one push each.
            return created.participants.compactMap {
                chatNew(created.chatID, for: [$0], position: position, state: state, except: cause)
            }
        case .groupCreated(let created):
            state.createdAt[created.chatID] = created.createdAt.iso8601
            // Every member sees the same group: encoded once, however large it is.
            return [
                chatNew(
                    created.chatID, for: created.members.map(\.userID), position: position, state: state,
                    except: cause)
            ].compactMap { $0 }
        case .memberAdded(let added):
            var planned = [
                push(
                    "member:added",
                    PushEncoder.Membership(chat_session_id: added.chatID, user_id: added.userID, by: added.addedBy),
                    to: members(state.chats[added.chatID]), except: nil)
            ]
            if before?.isMember(added.userID) != true,
                let chatNew = chatNew(
                    added.chatID, for: [added.userID], position: position, state: state, except: cause)
            {
                planned.append(chatNew)
            }
            return planned
        case .memberRemoved(let removed):
            return [
                push(
                    "member:removed",
                    PushEncoder.Membership(
                        chat_session_id: removed.chatID, user_id: removed.userID, by: removed.removedBy),
                    to: members(before), except: nil)
            ]
        }
    }

    /// `chat:new` for users joining a chat at once. A direct chat's name depends on who
    /// receives it, so it is planned per participant; a group's is the same for everyone.
    private static func chatNew(
        _ chatID: ChatID, for users: [UserID], position: Int64, state: Snapshot, except cause: String?
    ) -> PlannedPush? {
        guard let chat = state.chats[chatID], let first = users.first else { return nil }
        // Admins first, then by username; each key made once, not at every comparison.
        let members = chat.members.map { id, role in
            let username = state.usernames[id] ?? ""
            return (
                key: (role == .admin ? 0 : 1, Validation.usernameKey(username)),
                profile: MemberProfile(id: id, username: username, role: role)
            )
        }
        .sorted { $0.key < $1.key }
        .map(\.profile)
        let name = chat.kind == .direct ? (members.first { $0.id != first }?.username ?? "") : (chat.name ?? "")
        let payload = ChatSummary(
            id: chatID, kind: chat.kind, name: name, members: members, createdAt: state.createdAt[chatID] ?? "",
            lastMessage: nil, unreadCount: 0)
        return PlannedPush(
            position: position,
            bytes: ByteBuffer(bytes: PushEncoder.encode("chat:new", position: position, payload: payload)),
            audience: PushAudience(users), except: cause)
    }

    /// Writes `typing` to the other participants' sessions here and signals the other
    /// gateways (``TypingRelay``); not logged, no position.
    func typing(chatID: ChatID, from user: UserID, to recipients: [UserID], except connection: ClientConnection) {
        deliverTyping(chatID: chatID, from: user, to: recipients, except: connection.id)
        typingRelay?.publish(chatID: chatID, from: user)
    }

    /// Writes `typing` to `recipients`' sessions on this gateway.
    func deliverTyping(chatID: ChatID, from user: UserID, to recipients: [UserID], except connectionID: String?) {
        let bytes = ByteBuffer(
            bytes: PushEncoder.encode(
                "typing", position: nil, payload: PushEncoder.Typing(chat_session_id: chatID, user_id: user)))
        for recipient in recipients {
            for target in registry.connections(of: recipient) where target.id != connectionID {
                target.push(bytes, at: nil)
            }
        }
    }
}
