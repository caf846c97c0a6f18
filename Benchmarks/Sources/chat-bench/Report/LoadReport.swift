import Foundation
import Histogram

/// The outcome of one open-loop run, as printed and as `--json`.
struct LoadReport: Codable, Sendable {
    var offeredRate: Double
    var durationSeconds: Double
    var warmupSeconds: Double
    /// Messages scheduled inside the measured window.
    var sent: Int
    var answered: Int
    var achievedRate: Double
    var errors: [String: Int]
    var deliveriesExpected: Int
    var deliveriesReceived: Int
    /// Over the whole run, warm-up included, after draining.
    var unanswered: Int
    var lostDeliveries: Int
    var duplicates: Int
    var misdeliveries: Int
    var unknownReplies: Int
    var ackLatencyMs: LatencySummary
    var deliveryLatencyMs: LatencySummary
    var server: ServerUsage?

    init(plan: LoadPlan, ledger: LoadLedger, sent total: Int, server: ServerUsage?) {
        offeredRate = plan.rate
        durationSeconds = plan.durationSeconds
        warmupSeconds = plan.warmupSeconds
        sent = max(0, total - plan.firstMeasured)
        answered = ledger.measuredAnswers
        achievedRate = Double(ledger.measuredAnswers) / plan.durationSeconds
        errors = ledger.errors
        deliveriesExpected = sent * plan.recipientsPerMessage
        deliveriesReceived = ledger.measuredDeliveries
        unanswered = total - ledger.answeredCount
        lostDeliveries = ledger.missingDeliveries(sent: total)
        duplicates = ledger.duplicateAnswers + ledger.duplicateDeliveries
        misdeliveries = ledger.misdeliveries
        unknownReplies = ledger.unknownReplies
        ackLatencyMs = LatencySummary(ledger.ackLatency)
        deliveryLatencyMs = LatencySummary(ledger.deliveryLatency)
        self.server = server
    }

    /// Every message answered without error, every delivery made exactly once.
    var isClean: Bool {
        errors.isEmpty && unanswered == 0 && lostDeliveries == 0 && duplicates == 0 && misdeliveries == 0
    }

    var summary: String {
        var line = "offered \(Int(offeredRate))/s for \(format(durationSeconds))s: answered \(answered)/\(sent)"
        if deliveriesExpected > 0 || deliveriesReceived > 0 {
            line += ", delivered \(deliveriesReceived)/\(deliveriesExpected)"
        }
        line += " (lost \(unanswered + lostDeliveries), duplicated \(duplicates)"
        if misdeliveries > 0 { line += ", misdelivered \(misdeliveries)" }
        line += ")"
        if !errors.isEmpty {
            line +=
                ", errors " + errors.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        line += " | ack ms p50 \(ackLatencyMs.p50) p90 \(ackLatencyMs.p90) p99 \(ackLatencyMs.p99)"
        line += " p99.9 \(ackLatencyMs.p999) max \(ackLatencyMs.max)"
        if deliveryLatencyMs.count > 0 {
            line +=
                " | delivery ms p50 \(deliveryLatencyMs.p50) p99 \(deliveryLatencyMs.p99) max \(deliveryLatencyMs.max)"
        }
        if let server { line += " | " + server.summary }
        return line
    }
}

/// Percentiles in milliseconds, to the microsecond.
struct LatencySummary: Codable, Sendable {
    var count: UInt64
    var p50: Double
    var p90: Double
    var p99: Double
    var p999: Double
    var max: Double

    init(_ histogram: Histogram<UInt64>) {
        count = histogram.totalCount
        let milliseconds = { (microseconds: UInt64) in Double(microseconds) / 1_000 }
        p50 = count == 0 ? 0 : milliseconds(histogram.valueAtPercentile(50))
        p90 = count == 0 ? 0 : milliseconds(histogram.valueAtPercentile(90))
        p99 = count == 0 ? 0 : milliseconds(histogram.valueAtPercentile(99))
        p999 = count == 0 ? 0 : milliseconds(histogram.valueAtPercentile(99.9))
        max = count == 0 ? 0 : milliseconds(histogram.max)
    }
}

/// The server's CPU and memory over the measured window (`--server-pid`).
struct ServerUsage: Codable, Sendable {
    var cpuSeconds: Double
    var windowSeconds: Double
    var residentBytes: Int
    var cpuMicrosecondsPerDelivery: Double?
    var cpuMicrosecondsPerMessage: Double?

    init(cpuSeconds: Double, windowSeconds: Double, residentBytes: Int, deliveries: Int, messages: Int) {
        self.cpuSeconds = cpuSeconds
        self.windowSeconds = windowSeconds
        self.residentBytes = residentBytes
        cpuMicrosecondsPerDelivery = deliveries > 0 ? cpuSeconds * 1e6 / Double(deliveries) : nil
        cpuMicrosecondsPerMessage = messages > 0 ? cpuSeconds * 1e6 / Double(messages) : nil
    }

    var summary: String {
        var line = "server cpu \(format(cpuSeconds, 2)) s over \(format(windowSeconds, 1)) s"
        if let perDelivery = cpuMicrosecondsPerDelivery { line += ", \(format(perDelivery, 2)) µs/delivery" }
        if let perMessage = cpuMicrosecondsPerMessage { line += ", \(format(perMessage, 2)) µs/message" }
        line += ", rss \(residentBytes / 1_048_576) MiB"
        return line
    }
}

func format(_ value: Double, _ digits: Int = 0) -> String {
    String(format: "%.\(digits)f", value)
}

/// Prints a report: one line by default, pretty JSON with `--json`.
func emit<Report: Encodable>(_ report: Report, summary: String, json: Bool) throws {
    if json {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
    } else {
        print(summary)
    }
}
