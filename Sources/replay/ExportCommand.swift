import ArgumentParser
import EventStore
import Foundation

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write the log as NDJSON, one event per line.")

    @Option(help: "The chat database.") var db: String
    @Option(help: "Output file (default: standard output).") var out: String?

    func run() throws {
        let connection = try openDatabase(db)
        let output: FileHandle
        if let out {
            guard FileManager.default.createFile(atPath: out, contents: nil) else {
                throw ReplayFailure("cannot create \(out)")
            }
            output = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        } else {
            output = FileHandle.standardOutput
        }
        let count = try EventLogExchange.export(from: connection, to: output)
        try output.synchronize()
        if out != nil { FileHandle.standardError.write(Data("exported \(count) events\n".utf8)) }
    }
}
