import Foundation

/// The most recent committed events, kept in memory so live subscribers do not have to go
/// back to disk, and a wake-up for subscribers that have seen everything.
///
/// Subscribers pull: they ask for events after their position and get them from here when
/// still held, or are told to read the log when they have fallen behind the window. Memory
/// is bounded by `capacity` whatever the number or speed of subscribers.
///
/// > Note: `@unchecked Sendable` because every stored property is guarded by `lock`.
package final class CommittedEventTail: @unchecked Sendable {
    package enum Read {
        case events([RecordedEvent])
        /// The next event is older than the window: read it from the log.
        case behind
        /// Nothing after the position yet.
        case upToDate
    }

    private let lock = NSLock()
    private let capacity: Int
    private var ring: [RecordedEvent?]
    /// Index in `ring` of the oldest held event.
    private var start = 0
    private var count = 0
    private var head: Int64
    private var closed = false
    private var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiterID: UInt64 = 0

    package init(head: Int64, capacity: Int = 8192) {
        self.head = head
        self.capacity = capacity
        self.ring = Array(repeating: nil, count: capacity)
    }

    package var headPosition: Int64 { lock.withLock { head } }

    /// Adds events just committed, in position order, and wakes waiting subscribers.
    package func publish(_ events: [RecordedEvent]) {
        guard !events.isEmpty else { return }
        let woken: [CheckedContinuation<Void, Never>] = lock.withLock {
            // The ring holds consecutive positions only. Events appended by another process
            // leave a gap before these: start the ring afresh, so that a subscriber before
            // the gap is sent to the log, which has them.
            if let first = events.first?.position, first != head + 1 {
                start = 0
                count = 0
            }
            for event in events {
                let index = (start + count) % capacity
                ring[index] = event
                if count == capacity {
                    start = (start + 1) % capacity
                } else {
                    count += 1
                }
                head = event.position
            }
            defer { waiters.removeAll() }
            return Array(waiters.values)
        }
        for waiter in woken { waiter.resume() }
    }

    /// Up to `limit` events after `position`.
    package func read(after position: Int64, limit: Int) -> Read {
        lock.withLock {
            guard position < head else { return .upToDate }
            guard count > 0, let oldest = ring[start]?.position, position + 1 >= oldest else { return .behind }
            let offset = Int(position + 1 - oldest)
            let available = min(limit, count - offset)
            var events = [RecordedEvent]()
            events.reserveCapacity(available)
            for step in 0..<available {
                events.append(ring[(start + offset + step) % capacity]!)
            }
            return .events(events)
        }
    }

    /// Returns once an event after `position` has been committed, the tail is closed or the
    /// task is cancelled.
    package func waitForEvents(after position: Int64) async {
        let id: UInt64 = lock.withLock {
            nextWaiterID += 1
            return nextWaiterID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow: Bool = lock.withLock {
                    if closed || head > position || Task.isCancelled { return true }
                    waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = lock.withLock { waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }

    package var isClosed: Bool { lock.withLock { closed } }

    /// Wakes every subscriber for good.
    package func close() {
        let woken: [CheckedContinuation<Void, Never>] = lock.withLock {
            closed = true
            defer { waiters.removeAll() }
            return Array(waiters.values)
        }
        for waiter in woken { waiter.resume() }
    }
}
