/// Why an append or read did not happen.
public enum EventStoreError: Error, Sendable, CustomStringConvertible {
    /// The stream's version was not the one expected: someone else appended first.
    case wrongExpectedVersion(stream: String, expected: ExpectedVersion, actual: Int64)
    /// The inline projection refused the events (e.g. a uniqueness rule); nothing was appended.
    case rejectedByProjection(any Error)
    /// The storage failed; nothing of this append was committed.
    case storage(any Error)
    /// The log is closed.
    case closed
    /// An append must contain at least one event.
    case emptyAppend
    /// The file is not a chat event log, or was written by a newer version.
    case incompatibleDatabase(String)
    /// The log must be written but the file or its file system is read-only.
    case readOnly(path: String)
    /// Another server already serves this file (see ``ServingLock``).
    case alreadyServed(path: String, by: Int32?)

    public var description: String {
        switch self {
        case .wrongExpectedVersion(let stream, let expected, let actual):
            "wrong expected version for stream '\(stream)': expected \(expected), actual \(actual)"
        case .rejectedByProjection(let error): "rejected by projection: \(error)"
        case .storage(let error): "storage failure: \(error)"
        case .closed: "the event log is closed"
        case .emptyAppend: "an append needs at least one event"
        case .incompatibleDatabase(let reason): reason
        case .alreadyServed(let path, let pid):
            "\(path) is already served by another chat-gateway\(pid.map { " (pid \($0))" } ?? ""); one server per SQLite database: stop it, or give this one another --db"
        case .readOnly(let path):
            "the event log at \(path) is read-only (file permissions or a read-only file system); the server must be able to write it and the files beside it"
        }
    }
}
