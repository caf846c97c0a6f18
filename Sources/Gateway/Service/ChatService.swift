public import ChatDomain
public import EventStore
import Foundation
public import Keyring
public import Projections

/// Executes protocol commands: reads state from the projections, decides with
/// ``Decisions``, appends through the log's group commit and answers only after commit.
///
/// Transport-free: the gateway hands it parsed commands and writes back what it returns.
public final class ChatService: Sendable {
    /// Tuning of the service.
    public struct Configuration: Sendable {
        /// scrypt cost for new passwords. Defaults to ``PasswordHash/Parameters/standard``.
        public var passwordParameters: PasswordHash.Parameters
        /// How long a login token lives. Defaults to 30 days.
        public var sessionLifetimeMilliseconds: Int64
        /// The current time. Defaults to the system clock.
        public var clock: @Sendable () -> Timestamp

        public init(
            passwordParameters: PasswordHash.Parameters = .standard,
            sessionLifetimeMilliseconds: Int64 = 30 * 86_400_000,
            clock: @escaping @Sendable () -> Timestamp = Timestamp.now
        ) {
            self.passwordParameters = passwordParameters
            self.sessionLifetimeMilliseconds = sessionLifetimeMilliseconds
            self.clock = clock
        }
    }

    let log: any EventLog
    /// What decisions and queries read: the projections the log keeps in its transactions.
    let readModel: any ChatReadModel
    /// Seals what users write before it is appended; the log's projection opens it with the same keys.
    public let keyring: Keyring
    let configuration: Configuration
    /// `typing` to and from other gateways on the same database, if any.
    public let typingRelay: (any TypingRelay)?
    /// One decision-and-append at a time per chat.
    let chatLocks = KeyedLock()
    /// What those decisions are made against.
    let chatStates = ChatStateCache()

    public init(
        log: any EventLog, readModel: any ChatReadModel, keyring: Keyring, typingRelay: (any TypingRelay)? = nil,
        configuration: Configuration = Configuration()
    ) {
        self.log = log
        self.readModel = readModel
        self.typingRelay = typingRelay
        self.keyring = keyring
        self.configuration = configuration
        // Another process's appends change chats behind the cache's back: decisions that
        // append nothing (typing, reading) must not go on trusting the old membership.
        log.observeForeignAppends { [chatStates] events in
            for event in events {
                if let chatID = StreamName.chatID(of: event.streamID) { chatStates.forget(chatID) }
            }
        }
    }

    /// The service over one assembled backend.
    public convenience init(storage: ChatStorage, configuration: Configuration = Configuration()) {
        self.init(
            log: storage.log, readModel: storage.readModel, keyring: storage.keyring, typingRelay: storage.typingRelay,
            configuration: configuration)
    }

    /// Parses and executes one line or text frame.
    public func handle(_ bytes: [UInt8], context: ConnectionContext) async -> CommandReply {
        let parsed = CommandParser.parse(bytes)
        switch parsed.command {
        case .failure(let error):
            return CommandReply(
                response: ReplyEncoder.error(error, requestID: parsed.requestID), effect: nil,
                result: error.code.rawValue)
        case .success(let command):
            return await execute(command, requestID: parsed.requestID, context: context)
        }
    }

    /// Executes a parsed command; never throws: every failure is a response.
    public func execute(_ command: ClientCommand, requestID: [UInt8]?, context: ConnectionContext) async -> CommandReply
    {
        do {
            let (fields, effect) = try await run(command, requestID: requestID, context: context)
            return CommandReply(
                response: ReplyEncoder.ok(requestID: requestID, fields: fields), effect: effect,
                commandType: command.type)
        } catch {
            let refusal = error as? ChatError ?? Self.contractError(for: error)
            return CommandReply(
                response: ReplyEncoder.error(refusal, requestID: requestID), effect: nil, commandType: command.type,
                result: refusal.code.rawValue)
        }
    }

    /// Storage failures become `unavailable`; anything else `internal`. Neither carries details.
    static func contractError(for error: any Error) -> ChatError {
        switch error {
        case EventStoreError.storage, EventStoreError.closed, is SQLiteError:
            ChatError(.unavailable, "The service is temporarily unavailable")
        default:
            ChatError(.internal, "Internal error")
        }
    }

    private func run(
        _ command: ClientCommand, requestID: [UInt8]?, context: ConnectionContext
    ) async throws -> (fields: [UInt8], effect: SessionEffect?) {
        let metadata = EventMetadata(
            actor: context.session?.userID.rawValue, requestID: requestID.map { String(decoding: $0, as: UTF8.self) },
            framing: context.framing.rawValue, connectionID: context.connectionID)
        guard let session = context.session else {
            switch command {
            case .register(let username, let password):
                return (try await register(username: username, password: password, metadata: metadata), nil)
            case .login(let username, let password):
                return try await login(username: username, password: password, metadata: metadata)
            case .auth(let token, let since):
                return try await auth(token: token, since: since)
            case .ping:
                return (Array("{}".utf8), nil)
            default:
                throw ChatError(.notAuthenticated, "Not authenticated")
            }
        }
        let user = session.userID
        switch command {
        case .register(let username, let password):
            return (try await register(username: username, password: password, metadata: metadata), nil)
        case .login, .auth:
            throw ChatError(.alreadyAuthenticated, "Already authenticated")
        case .ping:
            return (Array("{}".utf8), nil)
        case .logout:
            return try await logout(session, metadata: metadata)
        case .listUsers(let query, let limit):
            let users = try await readModel.searchUsers(query: query, limit: limit)
            return (try ReplyEncoder.fields(["users": users]), nil)
        case .getUserChats:
            let chats = try await readModel.chats(of: user)
            return (try ReplyEncoder.fields(["chats": chats]), nil)
        case .createChat(let other):
            return (try await createDirectChat(user, with: other, metadata: metadata), nil)
        case .createGroup(let name, let memberIDs):
            return (try await createGroup(user, name: name, memberIDs: memberIDs, metadata: metadata), nil)
        case .addGroupMember(let groupID, let member):
            let added = try await appendToChat(groupID, metadata: metadata) { state, now in
                try Decisions.addGroupMember(
                    requester: user, group: state, userID: member,
                    userExists: try await self.readModel.user(member) != nil,
                    now: now)
            }
            return (try ReplyEncoder.fields(["added": added]), nil)
        case .removeGroupMember(let groupID, let member):
            let removed = try await appendToChat(groupID, metadata: metadata) { state, now in
                try Decisions.removeGroupMember(requester: user, group: state, userID: member, now: now)
            }
            return (try ReplyEncoder.fields(["removed": removed]), nil)
        case .message(let chatID, let content, let clientMessageID):
            return (
                try await sendMessage(
                    user, to: chatID, content: content, clientMessageID: clientMessageID, metadata: metadata), nil
            )
        case .getMessages(let chatID, let before, let limit):
            return (try await getMessages(user, in: chatID, before: before, limit: limit, metadata: metadata), nil)
        case .markRead(let chatID, let messageID):
            let advanced = try await appendToChat(chatID, metadata: metadata) { state, now in
                async let targetRead = self.readModel.message(messageID)
                async let watermarkRead = self.readModel.watermark(chat: chatID, reader: user)
                let (target, watermark) = (try await targetRead, try await watermarkRead)
                guard let target else { throw ChatError.invalidRequest("message_id is not a message of this chat") }
                return try Decisions.markRead(
                    requester: user, chat: state, target: target, watermark: watermark, now: now)
            }
            return (try ReplyEncoder.fields(["advanced": advanced]), nil)
        case .editMessage(let chatID, let messageID, let content):
            return (
                try await editMessage(user, in: chatID, messageID: messageID, content: content, metadata: metadata),
                nil
            )
        case .deleteMessage(let chatID, let messageID):
            return (try await deleteMessage(user, in: chatID, messageID: messageID, metadata: metadata), nil)
        case .typing(let chatID):
            let state = try await chatState(chatID)?.state
            try Decisions.authorizeRead(requester: user, chat: state)
            let others = state?.members.keys.filter { $0 != user }.sorted() ?? []
            return (Array("{}".utf8), .typing(chatID: chatID, from: user, to: others))
        }
    }

    /// Who receives `typing` from `user` in `chatID` (signalled by another gateway, which
    /// checked that `user` may): the other members, as this gateway knows them.
    func typingRecipients(in chatID: ChatID, from user: UserID) async -> [UserID] {
        guard let state = try? await chatState(chatID)?.state, state.members[user] != nil else { return [] }
        return state.members.keys.filter { $0 != user }.sorted()
    }
}
