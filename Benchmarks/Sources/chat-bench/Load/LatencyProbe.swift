import NIOCore

/// Two users in a chat of their own: one sends a message every `interval`, the other
/// records how long each took to arrive. Measures how much the load elsewhere on the server
/// delays an unrelated chat.
///
/// Confined to the loop of its two connections (hence `@unchecked Sendable`); that loop is
/// not the one carrying the load, so a busy load client does not inflate what it measures.
final class LatencyProbe: @unchecked Sendable {
    struct Summary: Codable, Sendable {
        var sent: Int
        var delivered: Int
        /// The slowest delivery; a message still missing counts from its send to the stop.
        var worstMs: Double
        var p50Ms: Double
    }

    private let sender: BenchConnection
    private let receiver: BenchConnection
    private let chatID: String
    private let interval: TimeAmount
    private var sentAt: [Int64] = []
    private var latencies: [Int64?] = []
    private var timer: RepeatedTask?
    private var deliveredCount = 0
    /// Set while ``stop(summarizingFrom:drainTimeout:)`` waits for the last deliveries.
    private var drained: EventLoopPromise<Void>?

    init(sender: BenchConnection, receiver: BenchConnection, chatID: String, interval: TimeAmount) {
        precondition(sender.eventLoop === receiver.eventLoop, "a probe lives on one loop")
        self.sender = sender
        self.receiver = receiver
        self.chatID = chatID
        self.interval = interval
    }

    private var loop: any EventLoop { sender.eventLoop }
    private static var now: Int64 { Int64(NIODeadline.now().uptimeNanoseconds) }

    func start() -> EventLoopFuture<Void> {
        loop.submit {
            self.receiver.onMessage = { [unowned self] message in
                guard ReplyScanner.kind(of: message) == .messageNew,
                    let sequence = ReplyScanner.contentSequence(in: message), sequence < self.sentAt.count,
                    self.latencies[sequence] == nil
                else { return }
                self.latencies[sequence] = Self.now - self.sentAt[sequence]
                self.deliveredCount += 1
                self.succeedDrainedIfComplete()
            }
            self.timer = self.loop.scheduleRepeatedTask(initialDelay: .zero, delay: self.interval) { _ in
                self.sendOne()
            }
        }
    }

    /// The sequence number the next probe message will carry: marks a moment in the run.
    func mark() -> EventLoopFuture<Int> { loop.submit { self.sentAt.count } }

    /// Stops sending, waits (up to `drainTimeout`) for the messages in flight and summarizes
    /// those sent from `first` (a ``mark()``) on.
    func stop(summarizingFrom first: Int, drainTimeout: TimeAmount = .seconds(5)) -> EventLoopFuture<Summary> {
        loop.flatSubmit {
            self.timer?.cancel()
            let drained = self.loop.makePromise(of: Void.self)
            self.drained = drained
            self.succeedDrainedIfComplete()
            let timeout = self.loop.scheduleTask(in: drainTimeout) { drained.succeed() }
            return drained.futureResult.map {
                timeout.cancel()
                self.drained = nil
                return self.summary(from: first)
            }
        }
    }

    private func summary(from first: Int) -> Summary {
        let now = Self.now
        let window = first..<sentAt.count
        let observed = window.map { latencies[$0] ?? (now - sentAt[$0]) }.sorted()
        return Summary(
            sent: window.count, delivered: window.filter { latencies[$0] != nil }.count,
            worstMs: Double(observed.last ?? 0) / 1e6,
            p50Ms: observed.isEmpty ? 0 : Double(observed[observed.count / 2]) / 1e6)
    }

    private func succeedDrainedIfComplete() {
        guard let drained, deliveredCount == sentAt.count else { return }
        self.drained = nil
        drained.succeed()
    }

    private func sendOne() {
        let sequence = sentAt.count
        sentAt.append(Self.now)
        latencies.append(nil)
        sender.write(
            ByteBuffer(
                string:
                    #"{"type":"message","chat_id":"\#(chatID)","content":"\#(sequence) probe","request_id":\#(sequence)}"#
            ))
        sender.flush()
    }
}
