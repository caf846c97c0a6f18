/// A connection's input waiting to run, in order, and whether a runner is taking it.
///
/// No task waits on an idle connection: the first input after a quiet spell starts a
/// runner, which takes entries until the queue is empty and then ends. An idle connection
/// thus holds neither a task nor a buffer. Not thread-safe: its owner guards it.
struct CommandQueue<Entry> {
    /// What a runner does next.
    enum Next {
        case run(Entry)
        /// The input ended and everything before was run: close, once.
        case end
        /// Nothing queued: the runner stops; the next entry starts another.
        case idle
    }

    private var entries: [Entry] = []
    private var head = 0
    private var isRunning = false
    private var isFinished = false
    private var isEnded = false

    /// Queues `entry`; returns whether the caller must start a runner.
    mutating func enqueue(_ entry: Entry) -> Bool {
        guard !isFinished else { return false }
        entries.append(entry)
        return claimRunner()
    }

    /// No more input; returns whether the caller must start a runner (to reach ``Next/end``).
    mutating func finish() -> Bool {
        guard !isFinished else { return false }
        isFinished = true
        return claimRunner()
    }

    /// For the runner only.
    mutating func next() -> Next {
        if head < entries.count {
            let entry = entries[head]
            head += 1
            if head == entries.count {
                // Dropping the storage, not keeping it, is what leaves an idle connection small.
                entries = []
                head = 0
            }
            return .run(entry)
        }
        isRunning = false
        guard isFinished, !isEnded else { return .idle }
        isEnded = true
        return .end
    }

    private mutating func claimRunner() -> Bool {
        guard !isRunning, !isEnded else { return false }
        isRunning = true
        return true
    }
}
