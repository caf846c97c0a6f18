import ChatDomain
import Foundation
import Logging
import PostgresNIO
import Projections

/// `typing` between gateways as a NOTIFY on `chat_typing`: the payload is this process's
/// origin, the chat and the user (about 80 bytes); each gateway works out the recipients from
/// its own view of the chat's membership, so that a large group does not outgrow a payload.
///
/// > Note: `@unchecked Sendable`: `handlers` is guarded by `lock`.
final class PostgresTypingRelay: TypingRelay, @unchecked Sendable {
    static let channel = "chat_typing"

    private let origin = UUID().uuidString
    private let send: @Sendable (String) async throws -> Void
    private let logger: Logger
    private let lock = NSLock()
    private var handlers: [@Sendable (ChatID, UserID) -> Void] = []

    init(logger: Logger, send: @escaping @Sendable (String) async throws -> Void) {
        self.logger = logger
        self.send = send
    }

    func publish(chatID: ChatID, from user: UserID) {
        let payload = "\(origin) \(chatID.rawValue) \(user.rawValue)"
        Task { [send, logger] in
            do {
                try await send(payload)
            } catch {
                logger.debug("typing not relayed", metadata: ["chat.error": "\(error)"])
            }
        }
    }

    func observe(_ handler: @escaping @Sendable (ChatID, UserID) -> Void) {
        lock.withLock { handlers.append(handler) }
    }

    /// A notification on ``channel``; this process's own are already delivered.
    func received(_ payload: String) {
        let fields = payload.split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count == 3, fields[0] != origin else { return }
        let (chatID, user) = (ChatID(String(fields[1])), UserID(String(fields[2])))
        for handler in lock.withLock({ handlers }) { handler(chatID, user) }
    }
}
