import ArgumentParser
import EventStore
import Foundation
import PostgresBackend

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write the log as NDJSON, one event per line.")

    @Option(help: "The chat database: a SQLite file or a postgres:// URL.") var db: String
    @Option(help: "Output file (default: standard output).") var out: String?
    @Option(
        help:
            "Also write the keys of users not erased here (mode 0600; as secret as the master key): import --keys-in reads them."
    )
    var keysOut: String?
    @OptionGroup var keys: KeyFileOption

    func run() async throws {
        let output: FileHandle
        if let out {
            guard FileManager.default.createFile(atPath: out, contents: nil) else {
                throw ReplayFailure("cannot create \(out)")
            }
            output = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        } else {
            output = FileHandle.standardOutput
        }
        if PostgresURL.isPostgres(db) { return try await exportFromPostgres(to: output) }
        let connection = try openDatabase(db)
        let count = try EventLogExchange.export(from: connection, to: output)
        try output.synchronize()
        if out != nil { FileHandle.standardError.write(Data("exported \(count) events\n".utf8)) }
        if let keysOut { try writeKeys(to: keysOut, from: connection) }
    }

    private func exportFromPostgres(to output: FileHandle) async throws {
        if keysOut != nil, keys.keyFile == nil {
            throw ReplayFailure(PostgresBackendError.keyFileRequired.description)
        }
        let (count, lines) = try await PostgresLogExporter.export(
            from: PostgresURL(db), to: output, keyFile: keysOut == nil ? nil : keys.keyFile)
        try output.synchronize()
        if out != nil { FileHandle.standardError.write(Data("exported \(count) events\n".utf8)) }
        if let keysOut, let lines { try writeKeyLines(lines, to: keysOut) }
    }

    private func writeKeys(to path: String, from connection: SQLiteConnection) throws {
        try writeKeyLines(try keys.existing(for: db).map { try $0.exportKeys(from: connection) } ?? [], to: path)
    }

    private func writeKeyLines(_ lines: [UInt8], to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw ReplayFailure("cannot create \(path)") }
        defer { close(descriptor) }
        fchmod(descriptor, 0o600)
        guard write(descriptor, lines, lines.count) == lines.count, fsync(descriptor) == 0 else {
            throw ReplayFailure("cannot write \(path)")
        }
        let count = lines.filter { $0 == UInt8(ascii: "\n") }.count
        FileHandle.standardError.write(Data("exported \(count) keys to \(path)\n".utf8))
    }
}
