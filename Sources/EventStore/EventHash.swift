import Crypto

/// The hash chain: each event's hash is SHA-256(previous hash ‖ canonical bytes).
///
/// Canonical bytes are fixed-width big-endian integers and length-prefixed byte strings,
/// so no two different events can share an encoding.
public enum EventHash {
    /// The "previous hash" of the first event.
    public static let genesis = [UInt8](repeating: 0, count: 32)

    public static func chain(
        previous: [UInt8], position: Int64, streamID: String, streamVersion: Int64, type: String,
        schemaVersion: Int, data: [UInt8], metadata: [UInt8], recordedAt: Int64
    ) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: previous)
        var fixed = [UInt8]()
        fixed.reserveCapacity(28)
        appendBigEndian(&fixed, UInt64(bitPattern: position))
        appendBigEndian(&fixed, UInt64(bitPattern: streamVersion))
        appendBigEndian(&fixed, UInt64(bitPattern: recordedAt))
        appendBigEndian(&fixed, UInt32(truncatingIfNeeded: schemaVersion))
        hasher.update(data: fixed)
        hashField(&hasher, Array(streamID.utf8))
        hashField(&hasher, Array(type.utf8))
        hashField(&hasher, data)
        hashField(&hasher, metadata)
        return Array(hasher.finalize())
    }

    /// The hash `event` should have after `previous`.
    public static func expected(for event: RecordedEvent, previous: [UInt8]) -> [UInt8] {
        chain(
            previous: previous, position: event.position, streamID: event.streamID,
            streamVersion: event.streamVersion, type: event.type, schemaVersion: event.schemaVersion,
            data: event.data, metadata: event.metadata, recordedAt: event.recordedAt)
    }

    private static func hashField(_ hasher: inout SHA256, _ bytes: [UInt8]) {
        var length = [UInt8]()
        appendBigEndian(&length, UInt32(truncatingIfNeeded: bytes.count))
        hasher.update(data: length)
        hasher.update(data: bytes)
    }

    private static func appendBigEndian<T: FixedWidthInteger>(_ out: inout [UInt8], _ value: T) {
        withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
    }
}
