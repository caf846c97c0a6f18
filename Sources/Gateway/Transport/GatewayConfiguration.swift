/// How the gateway listens and what it allows.
public struct GatewayConfiguration: Sendable {
    /// Address to bind. Defaults to `127.0.0.1`.
    public var host: String
    /// Port to bind; `0` picks a free one. Defaults to `5000`.
    public var port: Int
    /// Largest WebSocket message or NDJSON line, in bytes. Defaults to `65_536`.
    public var maxMessageBytes: Int
    /// Largest number of open sockets (chat, HTTP or not yet identified); more are refused at
    /// accept. Defaults to `10_000`.
    public var maxConnections: Int

    /// Recent pushes kept in memory for `auth` with `since`; a client that has missed more
    /// is replayed from the log, which is exact but slower. Defaults to `65_536`.
    public var resumeWindowPushes: Int

    /// Commands per second a connection may send on average. Defaults to `50`.
    public var rateLimit: Double
    /// Commands a connection may send at once above the average. Defaults to `100`.
    public var rateBurst: Double
    /// Seconds a connection may stay unauthenticated. Defaults to `30`.
    public var authTimeout: Double
    /// Seconds of silence before the server pings a WebSocket; two silent intervals close it.
    /// Defaults to `30`.
    public var pingInterval: Double
    /// Unsent output a connection may accumulate before it is closed. Defaults to 8 MiB.
    public var maxOutputBytes: Int
    /// A path that echoes WebSocket messages through the same pipeline as `/ws`, for
    /// conformance testing (Autobahn|Testsuite). Off (`nil`) by default.
    public var echoPath: String?

    public init(
        host: String = "127.0.0.1", port: Int = 5000, maxMessageBytes: Int = 65_536, maxConnections: Int = 10_000,
        resumeWindowPushes: Int = 65_536, rateLimit: Double = 50, rateBurst: Double = 100, authTimeout: Double = 30,
        pingInterval: Double = 30, maxOutputBytes: Int = 8 << 20, echoPath: String? = nil
    ) {
        self.echoPath = echoPath
        self.resumeWindowPushes = resumeWindowPushes
        self.rateLimit = rateLimit
        self.rateBurst = rateBurst
        self.authTimeout = authTimeout
        self.pingInterval = pingInterval
        self.maxOutputBytes = maxOutputBytes
        self.host = host
        self.port = port
        self.maxMessageBytes = maxMessageBytes
        self.maxConnections = maxConnections
    }
}
