/// An event as committed to the log.
public struct RecordedEvent: Sendable, Equatable {
    /// Global position: 1, 2, 3 … in commit order, never reused.
    public var position: Int64
    public var streamID: String
    /// 1 for a stream's first event, then +1 per event; unique within the stream.
    public var streamVersion: Int64
    public var type: String
    public var schemaVersion: Int
    /// UTF-8 JSON, byte for byte as stored (the hash covers these bytes).
    public var data: [UInt8]
    /// UTF-8 JSON of ``EventMetadata``, byte for byte as stored.
    public var metadata: [UInt8]
    /// Commit time, milliseconds since the epoch (UTC).
    public var recordedAt: Int64
    /// SHA-256 of the previous event's hash and this event's canonical bytes.
    public var hash: [UInt8]

    public init(
        position: Int64, streamID: String, streamVersion: Int64, type: String, schemaVersion: Int, data: [UInt8],
        metadata: [UInt8], recordedAt: Int64, hash: [UInt8]
    ) {
        self.position = position
        self.streamID = streamID
        self.streamVersion = streamVersion
        self.type = type
        self.schemaVersion = schemaVersion
        self.data = data
        self.metadata = metadata
        self.recordedAt = recordedAt
        self.hash = hash
    }

    /// The decoded metadata; empty metadata if it cannot be decoded.
    public var decodedMetadata: EventMetadata { (try? EventMetadata.decode(metadata)) ?? EventMetadata() }
}
