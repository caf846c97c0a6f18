/// What an acknowledged append committed.
public struct AppendResult: Sendable, Equatable {
    /// The committed events, in order.
    public var events: [RecordedEvent]
    /// The stream's version after the append.
    public var streamVersion: Int64

    public init(events: [RecordedEvent], streamVersion: Int64) {
        self.events = events
        self.streamVersion = streamVersion
    }

    /// The position of the last event appended.
    public var lastPosition: Int64 { events.last?.position ?? 0 }
}
