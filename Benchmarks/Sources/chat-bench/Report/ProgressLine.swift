import Foundation

/// A status line on standard error while a run goes on: rewritten in place on a
/// terminal, a line every few seconds otherwise (CI logs), nothing with `--quiet`.
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private let enabled: Bool
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var lastShown = ContinuousClock.now - .seconds(60)
    private var counts: [String: Int] = [:]
    private var shownSomething = false

    init(enabled: Bool) { self.enabled = enabled }

    /// Counts one more step of `phase` and shows the count.
    func update(_ phase: String) {
        lock.lock()
        counts[phase, default: 0] += 1
        let count = counts[phase]!
        lock.unlock()
        show("\(phase): \(count)")
    }

    func show(_ text: String, force: Bool = false) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = ContinuousClock.now
        guard force || now - lastShown >= (isTerminal ? .milliseconds(200) : .seconds(5)) else { return }
        lastShown = now
        shownSomething = true
        let line = isTerminal ? "\r\u{1B}[K" + text : text + "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Clears the line before the summary is printed.
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        guard enabled, isTerminal, shownSomething else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        shownSomething = false
    }
}
