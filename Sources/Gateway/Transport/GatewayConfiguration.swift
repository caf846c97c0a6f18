/// How the gateway listens and what it allows.
public struct GatewayConfiguration: Sendable {
    /// Address to bind. Defaults to `127.0.0.1`.
    public var host: String
    /// Port to bind; `0` picks a free one. Defaults to `5000`.
    public var port: Int
    /// Largest WebSocket message or NDJSON line, in bytes. Defaults to `65_536`.
    public var maxMessageBytes: Int
    /// Largest number of open connections; more are refused. Defaults to `10_000`.
    public var maxConnections: Int

    /// Recent pushes kept in memory for `auth` with `since`; a client that has missed more
    /// is replayed from the log, which is exact but slower. Defaults to `65_536`.
    public var resumeWindowPushes: Int

    public init(
        host: String = "127.0.0.1", port: Int = 5000, maxMessageBytes: Int = 65_536, maxConnections: Int = 10_000,
        resumeWindowPushes: Int = 65_536
    ) {
        self.resumeWindowPushes = resumeWindowPushes
        self.host = host
        self.port = port
        self.maxMessageBytes = maxMessageBytes
        self.maxConnections = maxConnections
    }
}
