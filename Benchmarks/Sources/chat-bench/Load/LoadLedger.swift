import Histogram

/// What happened to every message of a run, by sequence number: its answer, which
/// recipients got it, and the latencies of those inside the measured window.
///
/// Latency runs from a message's *intended* send time, so a server (or client) that falls
/// behind is charged for the wait — coordinated omission is not hidden.
struct LoadLedger {
    let plan: LoadPlan

    private(set) var answered: [Bool]
    /// For each message, `wordsPerMessage` words of one bit per member of its group.
    private(set) var deliveredTo: [UInt64]
    private let wordsPerMessage: Int
    private(set) var answeredCount = 0
    private(set) var deliveredCount = 0
    private(set) var measuredAnswers = 0
    private(set) var measuredDeliveries = 0
    private(set) var duplicateAnswers = 0
    private(set) var duplicateDeliveries = 0
    private(set) var misdeliveries = 0
    private(set) var unknownReplies = 0
    private(set) var errors: [String: Int] = [:]
    private(set) var ackLatency = LoadLedger.makeHistogram()
    private(set) var deliveryLatency = LoadLedger.makeHistogram()

    init(plan: LoadPlan) {
        self.plan = plan
        answered = Array(repeating: false, count: plan.totalMessages)
        wordsPerMessage = plan.wordsPerMessage
        deliveredTo = Array(repeating: 0, count: plan.totalMessages * wordsPerMessage)
    }

    /// An ok answer (or an echo) to message `sequence`.
    mutating func recordAnswer(_ sequence: Int, at nanoseconds: Int64) {
        guard markAnswered(sequence) else { return }
        if plan.isMeasured(sequence) {
            measuredAnswers += 1
            Self.record(nanoseconds - plan.intendedTime(of: sequence), in: &ackLatency)
        }
    }

    /// An error answer to message `sequence` (or to no known message: `sequence` nil).
    mutating func recordError(_ code: String, sequence: Int?) {
        errors[code, default: 0] += 1
        if let sequence { _ = markAnswered(sequence) }
    }

    /// `message:new` for message `sequence`, received by member `member` of group `group`.
    mutating func recordDelivery(_ sequence: Int, group: Int, member: Int, at nanoseconds: Int64) {
        guard sequence >= 0, sequence < plan.totalMessages else {
            unknownReplies += 1
            return
        }
        let sender = plan.sender(of: sequence)
        guard sender.group == group, sender.member != member, member < sender.groupSize else {
            misdeliveries += 1
            return
        }
        let word = sequence * wordsPerMessage + member / 64
        let bit = UInt64(1) << UInt64(member % 64)
        guard deliveredTo[word] & bit == 0 else {
            duplicateDeliveries += 1
            return
        }
        deliveredTo[word] |= bit
        deliveredCount += 1
        if plan.isMeasured(sequence) {
            measuredDeliveries += 1
            Self.record(nanoseconds - plan.intendedTime(of: sequence), in: &deliveryLatency)
        }
    }

    mutating func recordUnknownReply() { unknownReplies += 1 }

    /// Whether every message sent so far has its answer and all its deliveries.
    func isComplete(sent: Int) -> Bool {
        answeredCount >= sent && deliveredCount >= sent * plan.recipientsPerMessage
    }

    /// Deliveries missing for the first `sent` messages.
    func missingDeliveries(sent: Int) -> Int {
        guard plan.recipientsPerMessage > 0 else { return 0 }
        var missing = 0
        for sequence in 0..<sent {
            // Only the group's other members are ever marked, so the count of marks says it.
            let words = deliveredTo[(sequence * wordsPerMessage)..<((sequence + 1) * wordsPerMessage)]
            missing += plan.sender(of: sequence).groupSize - 1 - words.reduce(0) { $0 + $1.nonzeroBitCount }
        }
        return missing
    }

    private mutating func markAnswered(_ sequence: Int) -> Bool {
        guard sequence >= 0, sequence < plan.totalMessages else {
            unknownReplies += 1
            return false
        }
        guard !answered[sequence] else {
            duplicateAnswers += 1
            return false
        }
        answered[sequence] = true
        answeredCount += 1
        return true
    }

    private static func makeHistogram() -> Histogram<UInt64> {
        Histogram(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)  // µs
    }

    private static func record(_ nanoseconds: Int64, in histogram: inout Histogram<UInt64>) {
        let microseconds = UInt64(max(0, nanoseconds) / 1_000)
        _ = histogram.record(min(microseconds, histogram.highestTrackableValue))
    }
}

/// The schedule of a run: who sends message `n`, and when it is meant to go.
struct LoadPlan: Sendable {
    struct Sender: Sendable {
        var group: Int
        var member: Int
        var groupSize: Int
    }

    var senders: [Sender]
    var rate: Double
    var warmupSeconds: Double
    var durationSeconds: Double
    /// Deliveries each message should cause (group size − 1; 0 for the echo server).
    var recipientsPerMessage: Int

    var totalMessages: Int { Int(rate * (warmupSeconds + durationSeconds)) }
    var firstMeasured: Int { Int(rate * warmupSeconds) }

    func isMeasured(_ sequence: Int) -> Bool { sequence >= firstMeasured }

    /// Nanoseconds after the start at which message `sequence` is due.
    func intendedTime(of sequence: Int) -> Int64 { Int64(Double(sequence) * 1e9 / rate) }

    /// Round robin over the senders, so consecutive messages go to different chats.
    func sender(of sequence: Int) -> Sender { senders[sequence % senders.count] }

    /// Words of a delivery bitmap: one bit per member of the largest group.
    var wordsPerMessage: Int { ((senders.map(\.groupSize).max() ?? 1) + 63) / 64 }
}
