/// A token bucket per connection (protocol §7): `rate` commands per second on average, `burst` at once.
///
/// A command over the limit is refused (`rate_limited`) and not executed; a client that
/// keeps sending while refused — as many refusals in a row as the burst allows commands —
/// is flooding, and its connection is closed.
struct FloodControl {
    enum Verdict: Equatable {
        case allow
        case refuse
        case disconnect
    }

    let rate: Double
    let burst: Double
    private var tokens: Double
    private var lastRefill: ContinuousClock.Instant
    private var refusalsInARow = 0

    init(rate: Double, burst: Double, now: ContinuousClock.Instant = .now) {
        self.rate = rate
        self.burst = max(1, burst)
        tokens = max(1, burst)
        lastRefill = now
    }

    mutating func admit(at now: ContinuousClock.Instant = .now) -> Verdict {
        let elapsed = now - lastRefill
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        tokens = min(burst, tokens + seconds * rate)
        lastRefill = now
        if tokens >= 1 {
            tokens -= 1
            refusalsInARow = 0
            return .allow
        }
        refusalsInARow += 1
        return Double(refusalsInARow) > burst ? .disconnect : .refuse
    }
}
