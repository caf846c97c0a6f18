public import ChatDomain

/// Carries `typing` — which is not logged — to the other gateways on the same database.
///
/// A single-process backend needs none. Delivery is best effort, like `typing` itself: a
/// signal lost while a gateway reconnects is not replayed.
public protocol TypingRelay: Sendable {
    /// Tells the other gateways that `user` is typing in `chatID`.
    func publish(chatID: ChatID, from user: UserID)

    /// Calls `handler` for each signal another gateway published.
    func observe(_ handler: @escaping @Sendable (ChatID, UserID) -> Void)
}
