/// The condition a test waited for did not happen in time.
public struct TimedOut: Error {
    public init() {}
}

/// Polls `condition` until it holds, failing after `timeout`: waits on a state, not a duration.
public func waitUntil(timeout: Duration = .seconds(10), _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { throw TimedOut() }
        await Task.yield()
    }
}
