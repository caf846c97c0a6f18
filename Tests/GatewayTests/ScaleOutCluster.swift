import ChatTestSupport
import Foundation

/// Two real `chat-gateway` processes on one PostgreSQL database behind haproxy (TCP mode,
/// round robin), as `docs/scale-out.md` deploys them.
///
/// > Note: `@unchecked Sendable`: a test uses it from one task at a time.
final class ScaleOutCluster: @unchecked Sendable {
    let directory: TemporaryDirectory
    let database: String
    var gateways: [GatewayProcess]
    private(set) var balancer: Process
    private(set) var port: Int

    init(database: String? = nil) async throws {
        directory = try TemporaryDirectory()
        self.database = try database ?? TestPostgres.freshDatabase()
        let keyFile = directory.path("chat.key")
        // The first creates the schema and the master key; the second finds both.
        let first = try await GatewayProcess.start(database: self.database, arguments: ["--key-file", keyFile])
        let second = try await GatewayProcess.start(database: self.database, arguments: ["--key-file", keyFile])
        gateways = [first, second]
        (port, balancer) = try Self.startBalancer(gateways: gateways.map(\.port), in: directory)
    }

    private static func startBalancer(gateways: [Int], in directory: TemporaryDirectory) throws -> (Int, Process) {
        let port = try freeLoopbackPort()
        let configuration = directory.path("haproxy-\(port).cfg")
        try Self.configuration(port: port, gateways: gateways).write(
            toFile: configuration, atomically: true, encoding: .utf8)
        let balancer = Process()
        balancer.executableURL = URL(fileURLWithPath: "/bin/bash")
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        balancer.arguments = [root.appendingPathComponent("scripts/haproxy.sh").path, configuration]
        balancer.standardOutput = FileHandle.nullDevice
        balancer.standardError = FileHandle.nullDevice
        try balancer.run()
        return (port, balancer)
    }

    /// A gateway that stops answering its health check is out within half a second; a
    /// connection refused by it is sent to the other.
    static func configuration(port: Int, gateways: [Int]) -> String {
        """
        global
            maxconn 4096
        defaults
            mode tcp
            timeout connect 1s
            timeout client 1h
            timeout server 1h
            timeout tunnel 1h
            retries 2
            option redispatch
        frontend chat
            bind 127.0.0.1:\(port)
            default_backend gateways
        backend gateways
            balance roundrobin
        \(gateways.enumerated().map { "    server g\($0.offset) 127.0.0.1:\($0.element) check inter 200ms fall 2 rise 1" }.joined(separator: "\n"))

        """
    }

    /// A client connected through the balancer, once it accepts connections.
    ///
    /// The balancer's port was free when picked but may be taken before haproxy binds it
    /// (tests pick ports at the same time): haproxy then exits, and starts again on another.
    func client() async throws -> RawClient {
        let deadline = ContinuousClock.now + .seconds(30)
        var restarts = 0
        while true {
            do {
                return try await RawClient.connect(port: port)
            } catch {
                guard ContinuousClock.now < deadline else { throw error }
                if !balancer.isRunning, restarts < 3 {
                    restarts += 1
                    (port, balancer) = try Self.startBalancer(gateways: gateways.map(\.port), in: directory)
                }
                await Task.yield()
            }
        }
    }

    /// Each gateway's open connections, from its `/health`.
    func connectionCounts() async throws -> [Int] {
        var counts = [Int]()
        for gateway in gateways {
            let client = try await RawClient.connect(port: gateway.port)
            try await client.write("GET /health HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
            let reply = try await client.readToEnd()
            guard let range = reply.range(of: #""connections":(\d+)"#, options: .regularExpression),
                let count = Int(reply[range].dropFirst(#""connections":"#.count))
            else { throw GatewayProcess.Exited(output: reply) }
            // The health request is plain HTTP: it is not a client connection, and not counted.
            counts.append(count)
        }
        return counts
    }

    deinit {
        for gateway in gateways { gateway.kill() }
        if balancer.isRunning {
            balancer.terminate()
            balancer.waitUntilExit()
        }
    }
}
