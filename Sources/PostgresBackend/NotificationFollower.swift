import Logging
import PostgresNIO

/// Listens on `chat_log` on a connection of its own and calls `wake` for each notification
/// (one per transaction, carrying the new head), and once after every (re)connection; hands
/// `chat_typing` notifications to `typing`.
///
/// LISTEN first, then catch up: a commit between the two is read by the catch-up, and one
/// after it notifies. On a lost connection it reconnects with back-off, up to 2 s.
struct NotificationFollower: Sendable {
    let url: PostgresURL
    let logger: Logger
    let wake: @Sendable () -> Void
    let typing: @Sendable (String) -> Void

    /// The channel every append transaction notifies.
    static let channel = "chat_log"

    func run() async {
        var delay = Duration.milliseconds(50)
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(
                    configuration: url.connectionConfiguration(), id: 1, logger: logger)
                delay = .milliseconds(50)
                do {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            try await connection.listen(on: PostgresTypingRelay.channel) { notifications in
                                for try await notification in notifications { typing(notification.payload) }
                            }
                        }
                        group.addTask {
                            try await connection.listen(on: Self.channel) { notifications in
                                wake()
                                for try await _ in notifications { wake() }
                            }
                        }
                        // Either ending means the connection is gone: start again with both.
                        try await group.next()
                        group.cancelAll()
                    }
                } catch {
                    logger.debug("listening stopped", metadata: ["chat.error": "\(PostgresFailure(underlying: error))"])
                }
                try? await connection.close()
            } catch {
                logger.debug("cannot listen yet", metadata: ["chat.error": "\(PostgresFailure(underlying: error))"])
            }
            guard !Task.isCancelled else { return }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(2))
        }
    }
}
