import Foundation

/// A one-line progress bar on stderr, redrawn at most ten times a second.
struct ProgressBar {
    private var lastDraw = Date.distantPast
    private let label: String

    init(label: String) {
        self.label = label
    }

    mutating func update(done: Int64, total: Int64, perSecond: Double, force: Bool = false) {
        guard force || -lastDraw.timeIntervalSinceNow >= 0.1 else { return }
        lastDraw = Date()
        let width = 30
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let line = String(
            format: "\r%@ [%@] %3d%% %lld/%lld events, %.0f events/s", label, bar, Int(fraction * 100), done, total,
            perSecond)
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
