import ChatDomain
public import EventStore
import Foundation
import Metrics
import Prometheus

/// The gateway's metrics (protocol §8), in a Prometheus registry of their own that `/metrics` renders.
///
/// Each metric object is made once per label set and reused.
///
/// > Note: `@unchecked Sendable`: the caches are guarded by `lock`; metric objects are
/// > thread-safe.
public final class GatewayMetrics: @unchecked Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let lock = NSLock()
    private var commands: [String: Metrics.Counter] = [:]
    private var durations: [String: Metrics.Timer] = [:]
    private var closes: [String: Metrics.Counter] = [:]
    private let openWebSocket: Metrics.Meter
    private let openTCP: Metrics.Meter
    private let eventsAppended: Metrics.Counter
    private let batchSizes: Metrics.Recorder
    private let pushesSent: Metrics.Counter

    public init() {
        factory = PrometheusMetricsFactory(registry: registry)
        openWebSocket = Metrics.Meter(
            label: "chat_connections_open", dimensions: [("framing", "websocket")], factory: factory)
        openTCP = Metrics.Meter(label: "chat_connections_open", dimensions: [("framing", "tcp")], factory: factory)
        eventsAppended = Metrics.Counter(label: "chat_events_appended_total", factory: factory)
        batchSizes = Metrics.Recorder(label: "chat_append_batch_size", aggregate: true, factory: factory)
        pushesSent = Metrics.Counter(label: "chat_pushes_sent_total", factory: factory)
    }

    /// The Prometheus text exposition of every metric.
    public func render() -> String { registry.emitToString() }

    /// For the event log's batch observer: appends per commit and events appended.
    public func recordCommit(_ statistics: CommitStatistics) {
        batchSizes.record(statistics.appends)
        eventsAppended.increment(by: statistics.events)
    }

    func pushSent() { pushesSent.increment() }

    func pushesWritten(_ count: Int) {
        if count > 0 { pushesSent.increment(by: count) }
    }

    func connectionOpened(_ framing: ConnectionContext.Framing) {
        (framing == .websocket ? openWebSocket : openTCP).increment()
    }

    func connectionClosed(_ framing: ConnectionContext.Framing, reason: String) {
        (framing == .websocket ? openWebSocket : openTCP).decrement()
        cached(\.closes, reason) {
            Metrics.Counter(label: "chat_connections_closed_total", dimensions: [("reason", reason)], factory: factory)
        }
        .increment()
    }

    /// One command's result (`ok` or its error code) and how long it took.
    func command(_ type: String, result: String, nanoseconds: Int64) {
        cached(\.commands, type + "\u{0}" + result) {
            Metrics.Counter(
                label: "chat_commands_total", dimensions: [("type", type), ("result", result)], factory: factory)
        }.increment()
        cached(\.durations, type) {
            Metrics.Timer(label: "chat_command_duration_seconds", dimensions: [("type", type)], factory: factory)
        }.recordNanoseconds(nanoseconds)
    }

    /// The cache is reached through a key path inside the lock: an `inout` argument would be
    /// accessed for the whole call, before the lock is taken (a race ThreadSanitizer found).
    private func cached<Metric>(
        _ cache: ReferenceWritableKeyPath<GatewayMetrics, [String: Metric]>, _ key: String, make: () -> Metric
    ) -> Metric {
        lock.withLock {
            if let metric = self[keyPath: cache][key] { return metric }
            let metric = make()
            self[keyPath: cache][key] = metric
            return metric
        }
    }
}
