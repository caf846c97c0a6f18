/// The optimistic-concurrency condition of an append.
public enum ExpectedVersion: Sendable, Equatable, CustomStringConvertible {
    /// Append whatever the stream's version.
    case any
    /// The stream must not exist yet.
    case noStream
    /// The stream's last event must have exactly this version.
    case exact(Int64)

    public func accepts(currentVersion: Int64) -> Bool {
        switch self {
        case .any: true
        case .noStream: currentVersion == 0
        case .exact(let version): currentVersion == version
        }
    }

    public var description: String {
        switch self {
        case .any: "any"
        case .noStream: "no stream"
        case .exact(let version): "\(version)"
        }
    }
}
