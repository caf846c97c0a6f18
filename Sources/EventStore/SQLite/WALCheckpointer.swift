import CSQLite
import Foundation

/// Copies WAL pages back into the database file on a connection and queue of its own.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses its threshold, so the
/// writer — and every append waiting on it — would pay for copying and syncing the
/// database file. Here the writer's WAL hook only schedules a PASSIVE checkpoint, which
/// never blocks the writer or readers.
///
/// Under a steady stream of commits a background checkpoint never catches up: the writer
/// appends frames while it copies, and SQLite reuses the WAL from its start only when every
/// frame has been copied. The WAL would grow without bound (1.4 GB in 12 s at 3,000
/// messages/s). So after each background pass the writer copies the short remainder, the
/// frames committed meanwhile, between two of its commits (`finishOnWriter`); its next
/// commit then starts the WAL over.
///
/// > Note: `@unchecked Sendable`: `scheduled` is guarded by `lock`; the connection is used
/// > only on `queue`; `finishOnWriter` is set once, before the first commit can call the hook.
final class WALCheckpointer: @unchecked Sendable {
    private let connection: SQLiteConnection
    private let queue = DispatchQueue(label: "chat.eventstore.checkpointer")
    private let thresholdPages: Int32
    private let lock = NSLock()
    private var scheduled = false
    /// WAL size when the last checkpoint was scheduled: the WAL is not truncated by a
    /// checkpoint, only reused from its start later, so its size alone would schedule one
    /// after every commit once past the threshold.
    private var pagesAtLastCheckpoint: Int32 = 0

    /// Asks the writer to run the final, short pass between two of its commits.
    private var finishOnWriter: (@Sendable () -> Void)?

    init(path: String, thresholdPages: Int32) throws {
        connection = try SQLiteConnection(path: path, create: false)
        // A connection learns the journal mode when it first reads the file; until then
        // sqlite3_wal_checkpoint_v2 treats the database as not in WAL mode and does nothing.
        try connection.enableWALMode()
        self.thresholdPages = thresholdPages
    }

    /// Replaces `writer`'s automatic checkpoints with this checkpointer.
    ///
    /// The checkpointer must outlive `writer`.
    func install(on writer: SQLiteConnection, finishOnWriter: @escaping @Sendable () -> Void) {
        self.finishOnWriter = finishOnWriter
        sqlite3_wal_hook(writer.handle, walHook, Unmanaged.passUnretained(self).toOpaque())
    }

    /// The final pass, on the writer's connection between two commits: copies the frames
    /// committed during the background pass, so the next commit restarts the WAL.
    static func finish(on writer: SQLiteConnection) {
        sqlite3_wal_checkpoint_v2(writer.handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
    }

    fileprivate func walGrew(to pages: Int32) {
        let schedule: Bool = lock.withLock {
            if pages < pagesAtLastCheckpoint { pagesAtLastCheckpoint = 0 }  // the WAL restarted
            guard pages - pagesAtLastCheckpoint >= thresholdPages, !scheduled else { return false }
            pagesAtLastCheckpoint = pages
            scheduled = true
            return true
        }
        guard schedule else { return }
        queue.async {
            self.lock.withLock { self.scheduled = false }
            // Copies up to the WAL's end as of its start; the writer goes on committing meanwhile.
            if sqlite3_wal_checkpoint_v2(self.connection.handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil) == SQLITE_OK
            {
                self.finishOnWriter?()
            }
        }
    }

    /// Waits for a scheduled checkpoint to finish.
    func drain() {
        queue.sync {}
    }
}

private func walHook(
    context: UnsafeMutableRawPointer?, _: OpaquePointer?, _: UnsafePointer<CChar>?, pages: Int32
) -> Int32 {
    if let context {
        Unmanaged<WALCheckpointer>.fromOpaque(context).takeUnretainedValue().walGrew(to: pages)
    }
    return SQLITE_OK
}
