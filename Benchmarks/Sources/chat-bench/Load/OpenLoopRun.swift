import NIOCore

/// Offers messages at a fixed rate, each at its scheduled time whether or not earlier
/// ones were answered, and records answers and deliveries in a ``LoadLedger``.
///
/// Everything runs on the one event loop that owns the connections, so the ledger needs
/// no locks; that is why it is `@unchecked Sendable`.
final class OpenLoopRun: @unchecked Sendable {
    struct Participant: Sendable {
        var connection: BenchConnection
        var group: Int
        var member: Int
        /// `chat_id` for the chat server; ignored by the echo server.
        var chatID: String
    }

    enum Target: String, Sendable {
        case chat, echo
    }

    private let loop: any EventLoop
    private let participants: [Participant]
    private let plan: LoadPlan
    private let target: Target
    private let contentBytes: Int
    private let drainTimeout: TimeAmount
    private let server: ServerProcess?
    private let progress: ProgressLine

    private var ledger: LoadLedger
    private var startUptime: UInt64 = 0
    private var nextSequence = 0
    private var dirty: [Bool]
    private var dirtyList: [Int] = []
    private var serverAtWindowStart: ServerProcess.Sample?
    private var serverAtWindowEnd: ServerProcess.Sample?
    private var windowStart: Int64 = 0
    private var windowEnd: Int64 = 0
    private var finished: EventLoopPromise<LoadReport>?
    private var draining = false
    private var lastProgress: Int64 = 0
    private let messagePrefixes: [ByteBuffer]

    init(
        loop: any EventLoop, participants: [Participant], plan: LoadPlan, target: Target, runID: Int,
        contentBytes: Int, drainTimeout: TimeAmount, server: ServerProcess?, progress: ProgressLine
    ) {
        self.loop = loop
        self.participants = participants
        self.plan = plan
        self.target = target
        self.contentBytes = contentBytes
        self.drainTimeout = drainTimeout
        self.server = server
        self.progress = progress
        ledger = LoadLedger(plan: plan)
        dirty = Array(repeating: false, count: participants.count)
        // The run id keeps client_message_ids unique across the runs of a sweep, which
        // reuse users: a repeated id would be answered as a duplicate and not delivered.
        messagePrefixes = participants.map {
            ByteBuffer(string: #"{"type":"message","chat_id":"\#($0.chatID)","client_message_id":"r\#(runID)-"#)
        }
    }

    /// Runs the whole schedule, waits for the last answers and deliveries (up to the
    /// drain timeout) and reports.
    func run() -> EventLoopFuture<LoadReport> {
        loop.flatSubmit {
            let promise = self.loop.makePromise(of: LoadReport.self)
            self.finished = promise
            for (index, participant) in self.participants.enumerated() {
                participant.connection.onMessage = { [unowned self] message in self.received(message, by: index) }
            }
            self.startUptime = NIODeadline.now().uptimeNanoseconds
            self.tick()
            return promise.futureResult
        }
    }

    private var elapsed: Int64 { Int64(NIODeadline.now().uptimeNanoseconds - startUptime) }

    private func tick() {
        let now = elapsed
        if serverAtWindowStart == nil, now >= plan.intendedTime(of: plan.firstMeasured) {
            windowStart = now
            serverAtWindowStart = try? server?.sample()
        }
        let due = min(plan.totalMessages, Int(Double(now) * plan.rate / 1e9) + 1)
        while nextSequence < due {
            send(nextSequence)
            nextSequence += 1
        }
        for index in dirtyList {
            participants[index].connection.flush()
            dirty[index] = false
        }
        dirtyList.removeAll(keepingCapacity: true)
        showProgress(at: now)
        if nextSequence == plan.totalMessages {
            beginDraining()
            return
        }
        // Batch sends that fall within 200 µs of each other into one tick; the latency
        // clock still starts at each message's own intended time.
        let next = max(plan.intendedTime(of: nextSequence), elapsed + 200_000)
        loop.scheduleTask(deadline: NIODeadline.uptimeNanoseconds(startUptime + UInt64(next))) { self.tick() }
    }

    private func send(_ sequence: Int) {
        let senderIndex = sequence % participants.count
        let connection = participants[senderIndex].connection
        var json = connection.channel.allocator.buffer(capacity: contentBytes + 128)
        json.writeImmutableBuffer(messagePrefixes[senderIndex])
        json.writeDecimal(sequence)
        json.writeStaticString(#"","content":""#)
        // The content starts with the sequence number, so a recipient knows which message
        // it got; the rest pads it to the requested size.
        let digits = json.writeDecimal(sequence)
        if contentBytes > digits + 1 {
            json.writeInteger(UInt8(ascii: " "))
            json.writeRepeatingByte(UInt8(ascii: "x"), count: contentBytes - digits - 1)
        }
        json.writeStaticString(#"","request_id":"#)
        json.writeDecimal(sequence)
        json.writeInteger(UInt8(ascii: "}"))
        connection.write(json)
        if !dirty[senderIndex] {
            dirty[senderIndex] = true
            dirtyList.append(senderIndex)
        }
    }

    private func received(_ message: ByteBuffer, by index: Int) {
        let now = elapsed
        switch ReplyScanner.kind(of: message) {
        case .ok:
            if let sequence = ReplyScanner.requestID(in: message) { ledger.recordAnswer(sequence, at: now) }
        case .error:
            ledger.recordError(ReplyScanner.errorCode(in: message), sequence: ReplyScanner.requestID(in: message))
        case .messageNew:
            let participant = participants[index]
            if let sequence = ReplyScanner.contentSequence(in: message) {
                ledger.recordDelivery(sequence, group: participant.group, member: participant.member, at: now)
            } else {
                ledger.recordUnknownReply()
            }
        case .otherPush:
            // The echo server sends the command back: that is its answer.
            if target == .echo, let sequence = ReplyScanner.requestID(in: message) {
                ledger.recordAnswer(sequence, at: now)
            }
        }
        if draining, ledger.isComplete(sent: nextSequence) { finish() }
    }

    private func beginDraining() {
        windowEnd = elapsed
        serverAtWindowEnd = try? server?.sample()
        draining = true
        if ledger.isComplete(sent: nextSequence) {
            finish()
        } else {
            loop.scheduleTask(in: drainTimeout) { self.finish() }
        }
    }

    private func showProgress(at now: Int64) {
        guard now - lastProgress >= 1_000_000_000 else { return }
        lastProgress = now
        let seconds = Double(now) / 1e9
        progress.show(
            "t=\(Int(seconds))s sent \(nextSequence) answered \(ledger.answeredCount) delivered \(ledger.deliveredCount)"
                + " p99 ack \(LatencySummary(ledger.ackLatency).p99) ms")
    }

    private func finish() {
        guard let promise = finished else { return }
        finished = nil
        for participant in participants { participant.connection.onMessage = { _ in } }
        var usage: ServerUsage?
        if let start = serverAtWindowStart, let end = serverAtWindowEnd {
            usage = ServerUsage(
                cpuSeconds: end.cpuSeconds - start.cpuSeconds, windowSeconds: Double(windowEnd - windowStart) / 1e9,
                residentBytes: end.residentBytes, deliveries: ledger.measuredDeliveries,
                messages: ledger.measuredAnswers)
        }
        promise.succeed(LoadReport(plan: plan, ledger: ledger, sent: nextSequence, server: usage))
    }
}

extension ByteBuffer {
    /// Writes a non-negative integer in decimal without making a `String`.
    @discardableResult
    mutating func writeDecimal(_ value: Int) -> Int {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // room for 24 digits
        return withUnsafeMutableBytes(of: &digits) { scratch in
            var remaining = value
            var start = scratch.count
            repeat {
                start -= 1
                scratch[start] = UInt8(ascii: "0") + UInt8(remaining % 10)
                remaining /= 10
            } while remaining > 0
            return writeBytes(UnsafeRawBufferPointer(rebasing: scratch[start...]))
        }
    }
}
