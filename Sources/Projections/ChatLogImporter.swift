import EventStore
import Foundation
import Keyring

/// `replay import`: an NDJSON export into a new database with its read model built.
///
/// Everything is written to `<path>.partial` and renamed into place only when complete, so
/// a failed or interrupted import never leaves a half-written database at `path`.
public enum ChatLogImporter {
    ///
    /// - Parameters:
    ///   - keyFile: the new database's master key file (by default beside it; created if missing).
    ///   - keysIn: an exported keys file (`replay export --keys-out`); without it, sealed text
    ///     reads as erased.
    public static func importLog(
        from input: String, to path: String, keyFile: String? = nil, keysIn: String? = nil,
        progress: (Int64) -> Void = { _ in }
    ) throws -> Int64 {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw EventLogExchange.ImportError.destinationExists(path)
        }
        let partial = path + ".partial"
        EventLogExchange.removeDatabase(at: partial)
        do {
            let count = try EventLogExchange.importLog(from: input, to: partial, progress: progress)
            do {
                let connection = try EventLogFile.openExisting(path: partial)
                let keyring = try Keyring.open(
                    databasePath: partial, keyFile: keyFile ?? MasterKey.defaultPath(forDatabase: path))
                if let keysIn {
                    let text = try String(contentsOfFile: keysIn, encoding: .utf8)
                    _ = try connection.transaction { try keyring.importKeys(text, into: connection) }
                }
                _ = try ProjectionRebuilder.rebuild(on: connection, keyring: keyring)
                try connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            }
            try FileManager.default.moveItem(atPath: partial, toPath: path)
            EventLogExchange.removeDatabase(at: partial)
            return count
        } catch {
            EventLogExchange.removeDatabase(at: partial)
            throw error
        }
    }
}
