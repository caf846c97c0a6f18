import Foundation

/// Progress on stderr: on a terminal, one line redrawn at most ten times a second; anywhere
/// else (a pipe, a log file), a plain line every few seconds, so redraws never pile up into
/// one line of carriage returns.
struct ProgressBar {
    private var lastDraw = Date.distantPast
    private let label: String
    private let onTerminal = isatty(STDERR_FILENO) == 1

    init(label: String) {
        self.label = label
    }

    mutating func update(done: Int64, total: Int64, perSecond: Double, force: Bool = false) {
        guard force || -lastDraw.timeIntervalSinceNow >= (onTerminal ? 0.1 : 5) else { return }
        lastDraw = Date()
        let width = 30
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let line = String(
            format: "%@ [%@] %3d%% %lld/%lld events, %.0f events/s", label, bar, Int(fraction * 100), done, total,
            perSecond)
        FileHandle.standardError.write(Data((onTerminal ? "\r" + line : line + "\n").utf8))
    }

    /// Ends the redrawn line on a terminal; elsewhere every line already ended.
    func finish() {
        if onTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
