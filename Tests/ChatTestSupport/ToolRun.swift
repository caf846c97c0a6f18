public import Foundation

/// One run of an executable this package builds (`replay`, `chat-gateway`), as an operator
/// would start it: its exit status and what it printed.
public struct ToolRun: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    /// Where `swift test` builds `tool`: the folder of the test runner.
    public static func executable(_ tool: String) -> URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(tool)
    }

    /// ``run(_:_:)`` awaited on a thread of its own (``onThreadOfItsOwn(_:)``).
    public static func complete(_ tool: String, _ arguments: [String]) async throws -> ToolRun {
        try await onThreadOfItsOwn { try run(tool, arguments) }
    }

    /// Runs `tool` to its end.
    public static func run(_ tool: String, _ arguments: [String]) throws -> ToolRun {
        let process = Process()
        process.executableURL = executable(tool)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Both pipes drained at once: a tool that fills one while the other is read would hang.
        let stderrBox = Box()
        let drained = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            stderrBox.data = err.fileHandleForReading.readDataToEndOfFile()
            drained.signal()
        }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        let stderr = stderrBox.data
        process.waitUntilExit()
        return ToolRun(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }
}

/// Written by one thread before a semaphore is signalled, read after the wait.
private final class Box: @unchecked Sendable {
    var data = Data()
}
