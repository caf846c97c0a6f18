public import ChatDomain

/// Every read of the chat read model the gateway makes, whatever holds it.
///
/// The SQLite backend answers from reader connections of its file
/// (``SQLiteChatReadModel``); the PostgreSQL backend from its own tables. Reads see
/// committed data only: what an acknowledged append changed is visible to the next read.
public protocol ChatReadModel: Sendable {
    /// The account for `login`, by case-insensitive username; erased accounts have none.
    func account(usernameKey: String) async throws -> Account?

    func user(_ id: UserID) async throws -> UserProfile?

    /// How many messages `sender` has sent, deleted ones included (what erasure reports).
    func messageCount(sentBy sender: UserID) async throws -> Int64

    /// Whether `id` is a registered user who has not been erased.
    func isActiveUser(_ id: UserID) async throws -> Bool

    /// The subset of `ids` that are not registered users.
    func unknownUsers(_ ids: [UserID]) async throws -> Set<UserID>

    /// The session of a token hash, for `auth` and `logout`.
    func session(tokenHash: String) async throws -> SessionRecord?

    /// Users whose username contains `query` (case-insensitively), by username.
    func searchUsers(query: String?, limit: Int) async throws -> [UserProfile]

    /// A chat's membership state, as decisions need it, with the chat stream's version to
    /// append against.
    func chatState(_ chatID: ChatID) async throws -> (state: ChatState, streamVersion: Int64)?

    /// The sender's earlier message with `clientMessageID`, for idempotent sends.
    func messageByClientID(sender: UserID, clientMessageID: String) async throws -> MessageReference?

    /// The stored timestamp of a message, as clients see it.
    func messageTimestamp(_ id: MessageID) async throws -> String?

    func message(_ id: MessageID) async throws -> MessageReference?

    /// A message's current version, for `edit_message` and `delete_message`.
    func currentMessage(_ id: MessageID) async throws -> CurrentMessage?

    /// The newest message of a chat not sent by `reader` and not deleted, and the position
    /// `reader` has read up to: what `get_messages` marks read.
    func readMark(in chatID: ChatID, reader: UserID) async throws -> (newest: MessageReference?, watermark: Int64?)

    /// The position `reader` has read up to in a chat.
    func watermark(chat chatID: ChatID, reader: UserID) async throws -> Int64?

    /// `get_messages`: up to `limit` messages before `before` (or the newest), oldest first.
    ///
    /// - Throws: ``ChatError`` `invalid_request` when `before` is not a message of the chat.
    func messages(in chatID: ChatID, before: MessageID?, limit: Int) async throws -> MessagePage

    /// `get_user_chats`: the user's chats, most recent activity first.
    func chats(of userID: UserID) async throws -> [ChatSummary]

    /// Every chat's membership and every username, as of the position it reports, read
    /// consistently: where the push dispatcher starts following the log.
    func membershipSnapshot() async throws -> MembershipSnapshot
}

/// Chat membership and usernames as of one log position.
public struct MembershipSnapshot: Sendable {
    public var position: Int64
    public var chats: [ChatID: ChatState]
    public var createdAt: [ChatID: String]
    public var usernames: [UserID: String]

    public init(
        position: Int64, chats: [ChatID: ChatState], createdAt: [ChatID: String], usernames: [UserID: String]
    ) {
        self.position = position
        self.chats = chats
        self.createdAt = createdAt
        self.usernames = usernames
    }
}
