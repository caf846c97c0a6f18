/// Every committed event after a position, in order, first from history then live.
///
/// Iteration ends when the log closes or the task is cancelled; it throws if reading the log
/// fails. Each iterator pulls at its own pace, so a slow subscriber holds no memory but its
/// position.
public struct EventSubscription: AsyncSequence, Sendable {
    public typealias Element = RecordedEvent

    let start: Int64
    let tail: CommittedEventTail
    let readLog: @Sendable (Int64, Int) async throws -> [RecordedEvent]
    let batchSize: Int

    package init(
        after position: Int64, tail: CommittedEventTail, batchSize: Int = 512,
        readLog: @escaping @Sendable (Int64, Int) async throws -> [RecordedEvent]
    ) {
        self.start = position
        self.tail = tail
        self.readLog = readLog
        self.batchSize = batchSize
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(position: start, subscription: self)
    }

    public struct Iterator: AsyncIteratorProtocol {
        var position: Int64
        let subscription: EventSubscription
        var buffer: [RecordedEvent] = []
        var bufferIndex = 0

        public mutating func next() async throws -> RecordedEvent? {
            guard try await fill() else { return nil }
            let event = buffer[bufferIndex]
            bufferIndex += 1
            position = event.position
            return event
        }

        /// Every event available now (at least one, at most the batch size), waiting for
        /// the next commit when there is none; `nil` at the end. Lets a subscriber handle
        /// what one group commit made together.
        public mutating func nextBatch() async throws -> ArraySlice<RecordedEvent>? {
            guard try await fill() else { return nil }
            let batch = buffer[bufferIndex...]
            bufferIndex = buffer.count
            position = batch.last!.position
            return batch
        }

        /// Whether the buffer has an event to take, refilling it first if needed.
        private mutating func fill() async throws -> Bool {
            while bufferIndex == buffer.count {
                if Task.isCancelled || subscription.tail.isClosed { return false }
                switch subscription.tail.read(after: position, limit: subscription.batchSize) {
                case .events(let events):
                    buffer = events
                case .behind:
                    buffer = try await subscription.readLog(position, subscription.batchSize)
                case .upToDate:
                    buffer = []
                    await subscription.tail.waitForEvents(after: position)
                }
                bufferIndex = 0
            }
            return true
        }
    }
}
