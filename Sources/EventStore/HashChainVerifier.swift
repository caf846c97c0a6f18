/// Checks a log's integrity event by event: positions 1, 2, 3 … without gaps, stream
/// versions 1, 2, 3 … per stream, and every hash equal to the one its predecessor implies.
///
/// Feed events in order; the first problem is kept and named by position.
public struct HashChainVerifier: Sendable {
    /// The first integrity problem found.
    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        /// The event at `position` does not follow its predecessor.
        case positionGap(expected: Int64, found: Int64)
        /// The event's stream version does not follow the stream's previous event.
        case streamVersionGap(position: Int64, stream: String, expected: Int64, found: Int64)
        /// The event's stored hash is not the chain's: it, or an earlier event, was altered.
        case hashMismatch(position: Int64)

        public var position: Int64 {
            switch self {
            case .positionGap(let expected, _): expected
            case .streamVersionGap(let position, _, _, _): position
            case .hashMismatch(let position): position
            }
        }

        public var description: String {
            switch self {
            case .positionGap(let expected, let found): "position gap: expected \(expected), found \(found)"
            case .streamVersionGap(let position, let stream, let expected, let found):
                "position \(position): stream '\(stream)' version \(found), expected \(expected)"
            case .hashMismatch(let position): "position \(position): hash does not match the chain"
            }
        }
    }

    public private(set) var lastPosition: Int64 = 0
    public private(set) var lastHash: [UInt8] = EventHash.genesis
    private var streamVersions: [String: Int64] = [:]

    public init() {}

    /// Accepts the next event or throws the problem it shows.
    public mutating func check(_ event: RecordedEvent) throws(Problem) {
        guard event.position == lastPosition + 1 else {
            throw .positionGap(expected: lastPosition + 1, found: event.position)
        }
        let expectedVersion = (streamVersions[event.streamID] ?? 0) + 1
        guard event.streamVersion == expectedVersion else {
            throw .streamVersionGap(
                position: event.position, stream: event.streamID, expected: expectedVersion, found: event.streamVersion)
        }
        guard event.hash == EventHash.expected(for: event, previous: lastHash) else {
            throw .hashMismatch(position: event.position)
        }
        streamVersions[event.streamID] = expectedVersion
        lastPosition = event.position
        lastHash = event.hash
    }

    /// Verifies a whole log file in bounded batches; returns the number of events checked.
    public static func verify(
        on connection: SQLiteConnection, batchSize: Int = 10_000, progress: (Int64) -> Void = { _ in }
    ) throws -> Int64 {
        var verifier = HashChainVerifier()
        while true {
            let events = try EventLogFile.read(after: verifier.lastPosition, limit: batchSize, on: connection)
            if events.isEmpty { return verifier.lastPosition }
            for event in events { try verifier.check(event) }
            progress(verifier.lastPosition)
        }
    }
}
