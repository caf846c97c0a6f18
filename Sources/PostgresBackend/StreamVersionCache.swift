import EventStore

/// The version of recently appended-to streams as of the log's head this process knows, so
/// that an append to one of them can be decided without reading it under the lock.
///
/// Exact only while every event after the head it was filled at goes through
/// ``advance(with:)``: the writer's own commits and what it reads of other gateways'. A
/// stream it does not hold is read in the append's transaction, and held from then on.
struct StreamVersionCache {
    /// Beyond this many streams it starts afresh: memory stays bounded, and a stream forgotten
    /// costs one read.
    let capacity: Int
    private var versions: [String: Int64] = [:]

    init(capacity: Int = 65_536) {
        self.capacity = capacity
    }

    subscript(stream: String) -> Int64? { versions[stream] }

    /// Holds versions read (or reached) at the head this process knows.
    mutating func store(_ read: [String: Int64]) {
        if versions.count + read.count > capacity { versions.removeAll(keepingCapacity: true) }
        versions.merge(read) { _, new in new }
    }

    /// Follows events committed after the head the cache was exact at: the streams it holds
    /// move on; others stay unknown.
    mutating func advance(with events: [RecordedEvent]) {
        for event in events where versions[event.streamID] != nil {
            versions[event.streamID] = event.streamVersion
        }
    }
}
