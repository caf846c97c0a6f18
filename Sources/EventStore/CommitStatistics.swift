/// What one group-commit transaction carried.
public struct CommitStatistics: Sendable, Equatable {
    /// Appends in the transaction, committed or refused.
    public var appends: Int
    /// Events committed by it (0 if the commit failed).
    public var events: Int

    public init(appends: Int, events: Int) {
        self.appends = appends
        self.events = events
    }
}
