import ChatTestSupport
import Foundation

/// A real `chat-gateway` child process on a free port.
///
/// > Note: `@unchecked Sendable` so that a test can start several on threads of their own;
/// > after `init` it is used from one task at a time.
final class GatewayProcess: @unchecked Sendable {
    static let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("chat-gateway")

    let process = Process()
    let port: Int
    private var killed = false

    init(database: String, arguments: [String] = []) throws {
        process.executableURL = Self.executable
        // A load test pipelines far more than a client's default burst.
        process.arguments =
            ["--db", database, "--port", "0", "--log-level", "info", "--rate-burst", "100000"] + arguments
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // The one line it logs when listening carries the port.
        var seen = ""
        while !seen.contains("listening") || !seen.contains("\n") {
            let chunk = stderr.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw Exited(output: seen) }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        guard let range = seen.range(of: #"chat.port=(\d+)"#, options: .regularExpression),
            let port = Int(seen[range].dropFirst("chat.port=".count))
        else { throw Exited(output: seen) }
        self.port = port
        // Keep reading what it logs, so that it never blocks on a full pipe; with
        // CHAT_TEST_GATEWAY_LOG=PREFIX, into PREFIX.PORT for a test being debugged.
        let reading = stderr.fileHandleForReading
        let copy = ProcessInfo.processInfo.environment["CHAT_TEST_GATEWAY_LOG"].flatMap {
            _ = FileManager.default.createFile(atPath: $0 + ".\(port)", contents: nil)
            return FileHandle(forWritingAtPath: $0 + ".\(port)")
        }
        reading.readabilityHandler = { handle in
            let data = handle.availableData
            copy?.write(data)
            if data.isEmpty { handle.readabilityHandler = nil }
        }
    }

    /// Starts one and waits until it listens, on a thread of its own (``onThreadOfItsOwn(_:)``).
    static func start(database: String, arguments: [String] = []) async throws -> GatewayProcess {
        try await onThreadOfItsOwn { try GatewayProcess(database: database, arguments: arguments) }
    }

    /// It ended before listening; `output` is what it wrote to stderr.
    struct Exited: Error {
        var output: String
    }

    func kill() {
        guard !killed else { return }
        killed = true
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { kill() }
}
