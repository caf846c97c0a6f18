/// How hard a commit waits for the disk.
public enum Durability: String, Sendable, CaseIterable {
    /// `synchronous=FULL`: a commit survives power loss. The default.
    case full
    /// `synchronous=NORMAL`: survives a process crash; the last commits may be lost on power loss.
    case normal

    var pragma: String {
        switch self {
        case .full: "PRAGMA synchronous = FULL"
        case .normal: "PRAGMA synchronous = NORMAL"
        }
    }
}
