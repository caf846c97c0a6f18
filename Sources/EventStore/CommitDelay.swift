import Dispatch

/// A bounded wait before a commit, so that one fsync carries several appends at moderate
/// rates (as PostgreSQL's `commit_delay`).
///
/// Without it, at 1,000 appends/s each commit carries one or two: the writer is idle when most
/// appends arrive, so each starts a transaction of its own, with its own fsync and its own
/// copy of the pages the appends share. The wait applies only while appends keep coming
/// (the previous commit ended less than ``busyWindow`` ago): a lone append after a quiet
/// spell commits at once, and appends that arrive during a commit go into the next one
/// without any wait.
public struct CommitDelay: Sendable {
    public static let defaultMicroseconds = 1_000
    /// Commits this close together count as a steady stream of appends.
    static let busyWindowNanoseconds: UInt64 = 20_000_000

    let interval: DispatchTimeInterval
    private let isEnabled: Bool

    init(microseconds: Int) {
        interval = .microseconds(microseconds)
        isEnabled = microseconds > 0
    }

    /// Whether an append that finds the writer idle waits, given when the last commit ended.
    func applies(lastCommitEnded: UInt64) -> Bool {
        guard isEnabled, lastCommitEnded > 0 else { return false }
        return DispatchTime.now().uptimeNanoseconds - lastCommitEnded < Self.busyWindowNanoseconds
    }
}
