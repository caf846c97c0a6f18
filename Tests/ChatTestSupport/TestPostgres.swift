import Foundation

/// The PostgreSQL server the tests use: `CHAT_TEST_POSTGRES_URL` when set (CI starts one),
/// otherwise a throw-away cluster this process starts with `scripts/postgres.sh` (which
/// installs Debian's package when missing) and stops when it exits.
///
/// Every test gets a database of its own on it, so tests run in parallel without seeing
/// each other's events.
public enum TestPostgres {
    /// A new, empty database's URL.
    public static func freshDatabase() throws -> String {
        let server = try serverURL.get()
        let name = "chat_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let created = try run("/usr/bin/env", ["psql", "-X", "-q", "-d", server, "-c", "CREATE DATABASE \(name)"])
        guard created.status == 0 else { throw Failure("CREATE DATABASE failed: \(created.output)") }
        return URL(string: server)!.deletingLastPathComponent().appendingPathComponent(name).absoluteString
    }

    /// Runs one statement with `psql` on `url`: its exit status and everything it printed.
    public static func psql(_ url: String, _ statement: String) throws -> (status: Int32, output: String) {
        try run("/usr/bin/env", ["psql", "-X", "-q", "-t", "-d", url, "-c", statement])
    }

    /// A server of its own, for a test that stops and restarts it (the shared one serves
    /// other tests meanwhile); removed when released.
    public final class Cluster: Sendable {
        public let url: String
        let directory: String
        let port: Int

        public init() throws {
            port = try freeLoopbackPort()
            directory =
                FileManager.default.temporaryDirectory.appendingPathComponent(
                    "chat-tests-postgres-\(UUID().uuidString)"
                ).path
            url = try script("start", directory, port: port)
        }

        /// A fast shutdown: the server ends every connection and stops.
        public func stop() throws { try script("stop", directory) }

        public func start() throws { try script("start", directory, port: port) }

        deinit {
            _ = try? script("stop", directory)
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    nonisolated(unsafe) private static var startedDirectory: String?

    private static let serverURL: Result<String, any Error> = Result {
        if let url = ProcessInfo.processInfo.environment["CHAT_TEST_POSTGRES_URL"], !url.isEmpty { return url }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "chat-tests-postgres-\(getpid())"
        ).path
        let port = try freeLoopbackPort()
        let url = try script("start", directory, port: port)
        startedDirectory = directory
        atexit {
            if let directory = TestPostgres.startedDirectory {
                _ = try? TestPostgres.script("stop", directory)
                try? FileManager.default.removeItem(atPath: directory)
            }
        }
        return url
    }

    @discardableResult
    private static func script(_ command: String, _ directory: String, port: Int? = nil) throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let result = try run(
            "/bin/bash",
            [root.appendingPathComponent("scripts/postgres.sh").path, command, directory]
                + (port.map { [String($0)] } ?? []))
        guard result.status == 0 else { throw Failure("postgres.sh \(command) failed: \(result.output)") }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Output goes to a file, not a pipe: the server this starts inherits the descriptors
    /// of its parent, and would hold a pipe open, so that reading it to its end never ends.
    private static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent(
            "chat-tests-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outputPath.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outputPath) }
        let output = try FileHandle(forWritingTo: outputPath)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = output
        try process.run()
        process.waitUntilExit()
        try output.close()
        return (process.terminationStatus, try String(contentsOf: outputPath, encoding: .utf8))
    }
}
