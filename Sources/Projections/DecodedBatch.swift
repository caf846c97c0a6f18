import ChatDomain
import EventStore
import Foundation

/// A batch of events being decoded on another thread, for a rebuild to write when it is ready.
///
/// > Note: `@unchecked Sendable`: `decoded` is written once by the decoding thread before
/// > `ready` is signalled, and read only after waiting for it.
final class DecodedBatch: @unchecked Sendable {
    let lastPosition: Int64?
    private let ready = DispatchSemaphore(value: 0)
    private var decoded: [(position: Int64, event: Result<ChatEvent, any Error>)] = []

    init(_ events: [RecordedEvent], projection: ChatProjection) {
        lastPosition = events.last?.position
        DispatchQueue.global().async {
            self.decoded = events.map { recorded in (recorded.position, Result { try projection.decode(recorded) }) }
            self.ready.signal()
        }
    }

    /// The decoded events, in order, once they are.
    func events() -> [(position: Int64, event: Result<ChatEvent, any Error>)] {
        ready.wait()
        ready.signal()  // a second caller does not wait for ever
        return decoded
    }
}
